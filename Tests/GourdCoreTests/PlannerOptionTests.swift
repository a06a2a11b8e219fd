import GourdCore
import Testing

@Suite("Planner: --pwd and --no-home")
struct PlannerOptionTests {
    @Test("--pwd must be an absolute directory inside; it wins over the caller's directory")
    func pwd() throws {
        #expect(try Fixture.plan(LaunchRequest(mode: .exec(["true"]), workdir: "/mnt")).workdir == "/mnt")
        // Inside a bind: checked against the host's directory behind it.
        #expect(
            try Fixture.plan(LaunchRequest(mode: .exec(["true"]), workdir: "/home/alice/project/src/")).workdir
                == "/home/alice/project/src")
        for bad in ["/nonexistent", "relative/dir", "/opt/config.txt", "/home/alice/notes.txt"] {
            #expect(
                planError { () throws(PlanError) in
                    try Fixture.plan(LaunchRequest(mode: .exec(["true"]), workdir: bad))
                } == .badWorkdir(bad), "\(bad)")
        }
    }

    @Test("--no-home binds no home, keeps HOME, and starts outside it")
    func noHome() throws {
        var request = LaunchRequest(mode: .exec(["true"]), mountHome: false)
        request.noMount = ["cwd"]  // with the current directory bound, it starts there (PlannerCompatTests)
        let plan = try Fixture.plan(request)
        #expect(!plan.mounts.contains(where: { Paths.isWithin($0.destination, "/home") }))
        #expect(plan.environmentValue("HOME") == "/home/alice")
        #expect(plan.notes == ["home /home/alice not mounted (--no-home)"])
        // The caller is in /home/alice/project, which now does not exist inside.
        #expect(plan.workdir == "/")
    }
}
