import ArgumentParser
import GourdCore
import GourdRuntime

extension Gourd {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Tell whether this host can run gourd, and what to fix if not.")

        func run() throws {
            let results = HostCheck.run()
            for result in results {
                print(result.passed ? "ok    \(result.name): \(result.detail)" : "FAIL  \(result.name): \(result.detail)")
                if let fix = result.fix, !result.passed { print("      fix: \(fix)") }
            }
            let failed = results.filter { !$0.passed }.count
            print(failed == 0 ? "gourd can run on this host" : "gourd cannot run on this host: \(failed) problem(s) above")
            if failed > 0 { throw ExitCode(GourdExit.launchFailed) }
        }
    }
}
