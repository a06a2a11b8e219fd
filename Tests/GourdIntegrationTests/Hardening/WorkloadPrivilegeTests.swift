import Foundation
import Testing

extension Integration {
    /// Every workload process, in a single launch or in a rank that joined a shared container,
    /// runs with no-new-privs, no capability and the seccomp filter (issue 10, finding 4).
    @Suite struct WorkloadPrivileges {
        /// The workload's own status lines, and those of a grandchild (what it starts inherits).
        static let script = """
            grep -E '^(NoNewPrivs|Seccomp|Seccomp_filters|Cap(Inh|Prm|Eff|Bnd|Amb)):' /proc/self/status
            sh -c 'sh -c "grep -E ^NoNewPrivs: /proc/self/status" | sed s/^/child-/'
            """
        static var expected: [String] {
            [
                "CapInh:\t0000000000000000", "CapPrm:\t0000000000000000", "CapEff:\t0000000000000000",
                "CapBnd:\t0000000000000000", "CapAmb:\t0000000000000000", "NoNewPrivs:\t1",
                "Seccomp:\t2", "Seccomp_filters:\t\(1 + TestEnvironment.shared.wrapFilters)", "child-NoNewPrivs:\t1",
            ]
        }

        @Test(arguments: ["none", "KEY"])
        func workloadHasNoNewPrivsNoCapabilitiesAndTheFilter(share: String) throws {
            let share = share == "KEY" ? "t-" + UUID().uuidString.prefix(8).lowercased() : share
            let out = try Gourd.sh(Self.script, options: ["--share=\(share)"])
            #expect(out.status == 0, "\(out)")
            #expect(out.lines == Self.expected, "--share=\(share): \(out)")
            expectNothingLeft()
        }

        /// The same filter in a joined rank: TIOCSTI is refused by seccomp (EPERM) before the
        /// kernel would even look at the descriptor (/dev/null: ENOTTY without the filter).
        @Test func joinedRankRunsUnderTheSameFilter() throws {
            let share = "t-" + UUID().uuidString.prefix(8).lowercased()
            let out = try Gourd.run(["exec", "--share=\(share)", Gourd.env.image("probes.sqfs"), "/opt/probe/tiocsti"])
            #expect(out.status == 0, "\(out)")
            #expect(
                out.lines == [
                    "TIOCSTI: Operation not permitted", "TIOCSTI+high: Operation not permitted",
                    "TIOCLINUX: Operation not permitted",
                ], "\(out)")
            expectNothingLeft()
        }
    }
}
