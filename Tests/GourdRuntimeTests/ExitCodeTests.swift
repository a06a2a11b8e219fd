import CGourdCommon
import GourdCore
import Testing

/// The C targets exit with GOURD_EXIT_* before exec; the CLI and the tests use GourdExit.
@Suite("Exit codes")
struct ExitCodeTests {
    @Test func cAndSwiftAgree() {
        #expect(GourdExit.launchFailed == GOURD_EXIT_LAUNCH_FAILED)
        #expect(GourdExit.cannotExecute == GOURD_EXIT_CANNOT_EXECUTE)
        #expect(GourdExit.notFound == GOURD_EXIT_NOT_FOUND)
    }
}
