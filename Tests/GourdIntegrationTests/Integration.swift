import Foundation
import Testing

/// All integration suites nest here so they run one at a time: each checks the host for
/// leftover mounts and processes afterwards, which only means something when no other test's
/// container is running.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct Integration {
    init() throws {
        let env = TestEnvironment.shared
        #expect(FileManager.default.isExecutableFile(atPath: env.gourd), "gourd not built at \(env.gourd): run `make test`")
        #expect(
            FileManager.default.fileExists(atPath: env.image("busybox-zstd.sqfs")),
            "test images missing in \(env.images): run `make test` (or `make images`)")
    }
}

/// Expects that no container process and no gourd FUSE mount remain on the host.
func expectNothingLeft(sourceLocation: SourceLocation = #_sourceLocation) {
    let left = HostState.leftovers()
    #expect(left.isEmpty, "left behind: \(left)", sourceLocation: sourceLocation)
    if !left.isEmpty { HostState.killLeftovers() }
}
