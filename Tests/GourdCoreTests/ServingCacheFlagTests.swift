import GourdCore
import Testing

/// --fuse-cache: the FUSE server's cache budget from the command line, over the environment and
/// the policy, shown by `gourd plan`.
@Suite struct ServingCacheFlagTests {
    func plan(
        flag: Int?, _ environment: [EnvironmentVariable] = [], policy: Policy = .builtIn
    ) throws(PlanError) -> LaunchPlan {
        var request = LaunchRequest(mode: .exec(["true"]))
        request.fuseCacheMiB = flag
        return try Planner(
            request: request, host: Fixture.context(environment: environment), hostFS: Fixture.host(),
            image: Fixture.image(), policy: policy
        )
        .plan(image: Fixture.location)
    }

    @Test func flagWinsOverTheEnvironmentAndThePolicy() throws {
        let policy = try PolicyParser.parse("[serving]\ncache_mb = 256\nthreads = 8\n", file: "/etc/gourd/policy.toml")
        let served = try plan(flag: 512, env(["GOURD_FUSE_CACHE_MB": "16"]), policy: policy).serving
        #expect(served.cacheMiB == 512)
        #expect(served.threads == 8, "the flag changes only the budget")
        #expect(served.reason.contains("--fuse-cache") && !served.reason.contains("GOURD_FUSE_CACHE_MB"), "\(served.reason)")
        #expect(PlanReport.text(try plan(flag: 8)).contains("8 MiB block cache, watch up to 50 us [--fuse-cache]"))
    }

    @Test func withoutTheFlagNothingChanges() throws {
        #expect(try plan(flag: nil).serving == ServingPlan())
        #expect(try plan(flag: nil, env(["GOURD_FUSE_CACHE_MB": "16"])).serving.cacheMiB == 16)
    }

    @Test(arguments: [0, -1, ServingPlan.maxCacheMiB + 1])
    func outOfRangeIsAnError(mib: Int) throws {
        let error = planError { () throws(PlanError) in try plan(flag: mib) }
        guard case .badServingVariable(let name, let value, _) = error else {
            Issue.record("expected badServingVariable, got \(String(describing: error))")
            return
        }
        #expect(name == "--fuse-cache" && value == String(mib))
    }
}
