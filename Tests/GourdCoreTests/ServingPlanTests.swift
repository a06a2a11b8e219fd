import GourdCore
import Testing

/// The FUSE server's threads and cache budget: environment over policy over defaults.
@Suite struct ServingPlanTests {
    func plan(_ environment: [EnvironmentVariable] = [], policy: Policy = .builtIn) throws(PlanError) -> LaunchPlan {
        try Planner(
            request: LaunchRequest(mode: .exec(["true"])), host: Fixture.context(environment: environment),
            hostFS: Fixture.host(), image: Fixture.image(), policy: policy
        )
        .plan(image: Fixture.location)
    }

    @Test func defaultsAre64MiBAndOneThreadPerCPU() throws {
        #expect(try plan().serving == ServingPlan(cacheMiB: 64, threads: 0, spinMicroseconds: 50, reason: "built-in default"))
        #expect(PlanReport.text(try plan()).contains("serving    FUSE with one per CPU threads, 64 MiB block cache, watch up to 50 us"))
    }

    @Test func policySetsTheSiteDefaultAndTheEnvironmentOverridesIt() throws {
        let policy = try PolicyParser.parse(
            "[serving]\ncache_mb = 256\nthreads = 8\nspin_us = 0\n", file: "/etc/gourd/policy.toml")
        let site = try plan(policy: policy).serving
        #expect(site.cacheMiB == 256 && site.threads == 8 && site.spinMicroseconds == 0)
        #expect(site.reason.contains("/etc/gourd/policy.toml:1") && site.reason.contains("spin_us"))
        let user = try plan(
            env(["GOURD_FUSE_CACHE_MB": "16", "GOURD_FUSE_THREADS": "2", "GOURD_FUSE_SPIN_US": "200"]), policy: policy
        ).serving
        #expect(user.cacheMiB == 16 && user.threads == 2 && user.spinMicroseconds == 200)
        #expect(user.reason.contains("GOURD_FUSE_CACHE_MB") && user.reason.contains("GOURD_FUSE_THREADS"))
    }

    @Test(arguments: [
        ("GOURD_FUSE_CACHE_MB", "0"), ("GOURD_FUSE_CACHE_MB", "lots"), ("GOURD_FUSE_CACHE_MB", "99999"),
        ("GOURD_FUSE_THREADS", "-1"), ("GOURD_FUSE_THREADS", "65"), ("GOURD_FUSE_SPIN_US", "1001"),
        ("GOURD_FUSE_SPIN_US", "-1"), ("GOURD_FUSE_SPIN_US", "50us"),
    ])
    func badVariableIsAnError(name: String, value: String) throws {
        let error = planError { () throws(PlanError) in try plan([EnvironmentVariable(name, value)]) }
        guard case .badServingVariable(let badName, let badValue, _) = error else {
            Issue.record("expected badServingVariable, got \(String(describing: error))")
            return
        }
        #expect(badName == name && badValue == value)
    }

    @Test(arguments: [
        "[serving]\ncache_mb = 0\n", "[serving]\ncache_mb = \"64\"\n", "[serving]\nthreads = 100\n",
        "[serving]\nbudget = 1\n", "[serving]\nspin_us = 5000\n",
    ])
    func badPolicyIsAnError(text: String) {
        #expect(throws: PolicyError.self) { try PolicyParser.parse(text, file: "/p.toml") }
    }
}
