import Foundation
import GourdCore
import Testing

extension Integration {
    /// A build's %post shares the builder's terminal too: it runs under the same TIOCSTI filter
    /// as a workload, on top of the fake-root filter (two filters in /proc/self/status).
    @Suite struct BuildScriptFilter {
        @Test func postRunsUnderTheTerminalFilter() throws {
            let grep = "/bin/busybox grep -E '^(Seccomp|Seccomp_filters|NoNewPrivs):' /proc/self/status"
            let out = try Scratch.shared.buildBusybox("build-filter", post: grep + " | /bin/busybox sed 's/^/STATUS /'")
            #expect(out.status == 0, "\(out)")
            let status = (out.stdout + out.stderr).split(separator: "\n").filter { $0.hasPrefix("STATUS ") }
                .map { $0.dropFirst(7).replacingOccurrences(of: "\t", with: " ") }
            #expect(status.contains("Seccomp: 2"), "\(out)")
            #expect(status.contains("Seccomp_filters: \(2 + TestEnvironment.shared.wrapFilters)"), "\(out)")
            #expect(status.contains("NoNewPrivs: 1"), "\(out)")
        }
    }
}
