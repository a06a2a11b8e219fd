import GourdCore
import Testing

/// Whether a launch is warm: --warm over GOURD_WARM over the policy's [warm] over 30 s; ranks
/// of a shared container too; the scope separates jobs, cgroups and sessions.
@Suite struct WarmDecisionTests {
    static let facts = WarmDecision.Facts(cgroup: "0::/user.slice/session-3.scope", session: "sid 100")

    func decide(
        flag: String? = nil, environment: [EnvironmentVariable] = [], policy: Policy = .builtIn,
        facts: WarmDecision.Facts = WarmDecisionTests.facts, share: ShareScope? = nil
    ) throws(PlanError) -> WarmPlan {
        var request = LaunchRequest(mode: .exec(["true"]))
        request.warm = flag
        var plan = try Fixture.plan(request)
        plan.share = share
        return try WarmDecision.decide(
            request: request, policy: policy.warm, host: Fixture.context(environment: environment), facts: facts, plan: plan)
    }

    @Test func warmByDefaultWithThirtySecondsOfLinger() throws {
        let warm = try decide()
        #expect(warm.enabled && warm.lingerSeconds == 30 && warm.reason.contains("built-in default"))
        #expect(warm.scope?.contains("session sid 100") == true)
    }

    @Test func flagOverVariableOverPolicy() throws {
        let policy = try PolicyParser.parse("[warm]\nlinger = 120\n", file: "/etc/gourd/policy.toml")
        let site = try decide(policy: policy)
        #expect(site.lingerSeconds == 120 && site.reason.contains("/etc/gourd/policy.toml:2"))
        let variable = try decide(environment: env(["GOURD_WARM": "7"]), policy: policy)
        #expect(variable.lingerSeconds == 7 && variable.reason == "GOURD_WARM=7")
        let flag = try decide(flag: "off", environment: env(["GOURD_WARM": "7"]), policy: policy)
        #expect(!flag.enabled && flag.reason == "off: --warm=off")
        let siteOff = try PolicyParser.parse("[warm]\nlinger = \"off\"\n", file: "/etc/gourd/policy.toml")
        #expect(try !decide(policy: siteOff).enabled)
        #expect(try decide(flag: "3", policy: siteOff).lingerSeconds == 3)
    }

    @Test(arguments: ["", "soon", "-1", "3601", "1.5", "on"])
    func badValuesAreErrors(value: String) throws {
        guard case .badOption("--warm", value, _) = planError({ () throws(PlanError) in try decide(flag: value) }) else {
            Issue.record("--warm=\(value) accepted")
            return
        }
        guard
            case .badControlVariable("GOURD_WARM", value, _) = planError({ () throws(PlanError) in
                try decide(environment: env(["GOURD_WARM": value]))
            })
        else {
            Issue.record("GOURD_WARM=\(value) accepted")
            return
        }
    }

    @Test func badPolicyValuesAreErrors() {
        for text in ["[warm]\nlinger = 0\n", "[warm]\nlinger = \"later\"\n", "[warm]\nlinger = 4000\n", "[warm]\nidle = 3\n"] {
            #expect(throws: PolicyError.self, "\(text)") { try PolicyParser.parse(text, file: "/etc/gourd/policy.toml") }
        }
    }

    @Test func ranksOfASharedContainerUseTheWarmServerToo() throws {
        let warm = try decide(share: ShareScope(key: "slurm:4.0@n1", reason: "Slurm step"))
        #expect(warm.enabled && warm.reason.contains("slurm:4.0@n1"))
        #expect(try decide(flag: "off", share: ShareScope(key: "slurm:4.0@n1", reason: "Slurm step")).enabled == false)
    }

    @Test func scopeSeparatesJobsCgroupsAndSessions() throws {
        let job = env(["SLURM_JOB_ID": "41"])
        let a = try decide(environment: job).scope
        #expect(a?.contains("slurm job 41") == true)
        #expect(try decide(environment: env(["SLURM_JOB_ID": "42"])).scope != a)
        let otherStep = WarmDecision.Facts(cgroup: "4:memory:/slurm/uid_1000/job_41/step_1", session: "sid 100")
        #expect(try decide(environment: job, facts: otherStep).scope != a)
        let otherSession = WarmDecision.Facts(cgroup: Self.facts.cgroup, session: "sid 101")
        #expect(try decide(facts: otherSession).scope != decide().scope)
    }

    @Test func serverFingerprintIgnoresBindsEnvironmentAndArgv() throws {
        let one = try Fixture.plan(LaunchRequest(mode: .exec(["true"])))
        var other = try Fixture.plan(LaunchRequest(mode: .exec(["env"]), binds: ["/scratch/data:/mnt"], environment: ["A=1"]))
        #expect(WarmPlan.serverFingerprint(one) == WarmPlan.serverFingerprint(other))
        other.serving.cacheMiB = 8
        #expect(WarmPlan.serverFingerprint(one) != WarmPlan.serverFingerprint(other))
    }

    @Test func planReportSaysWarmOrWhyNot() throws {
        var plan = try Fixture.plan(LaunchRequest(mode: .exec(["true"])))
        plan.warm = try decide(flag: "off")
        #expect(PlanReport.text(plan).contains("warm       no: off: --warm=off"))
        plan.warm = try decide()
        plan.warm.server = "@gourd/1000/warm/ab: running, pid 7"
        #expect(PlanReport.text(plan).contains("warm       yes, linger 30 s"))
        #expect(PlanReport.text(plan).contains("running, pid 7"))
    }
}
