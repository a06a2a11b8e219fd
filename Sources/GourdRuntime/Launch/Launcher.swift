import GourdCore

/// One launch, start to end, as the CLI's exec, run, shell and plan use it: the sequence a
/// newcomer reads to learn what gourd does (as ch-run's `main` → `containerize`).
///
/// 1. refuse to run with privileges (setuid, setgid, file capabilities);
/// 2. the site policy (a file that exists but is invalid stops the launch);
/// 3. the image, opened once: every later check and the FUSE server use that descriptor;
/// 4. the policy's `[images]` rules, checked on the open file;
/// 5. the host's facts (identity, cwd, environment), the flags' environment forms, and the pure plan;
/// 6. the plan applied: a single container (`Executor`), a rank of a shared one, or a warm
///    launch from this job's image server (`WarmLaunch`, falling back to `Executor`).
public struct Launcher {
    /// What `prepare` resolved: the plan and the image it will serve.
    public struct Prepared {
        public let plan: LaunchPlan
        public let image: any ServableImage
    }

    public let imagePath: String
    public let request: LaunchRequest

    public init(image: String, request: LaunchRequest) {
        imagePath = image
        self.request = request
    }

    /// Steps 1-5: everything before anything is mounted or started.
    public func prepare() throws(LaunchError) -> Prepared {
        try PrivilegeCheck.verify()
        let policy: Policy
        do { policy = try PolicyLoader.load() } catch { throw .policy(error) }
        let hostFS = HostFiles()
        let (image, location) = try ImageFile.open(hostFS.realPath(imagePath) ?? imagePath)
        let context = HostProbe.context()
        let variables = PolicyVariables(identity: context.identity, environment: context.environment)
        let checks = try ImageAdmission.check(image, rules: policy.images, variables: variables, hostFS: hostFS)
        // The environment forms of flags (APPTAINER_CLEANENV...) fill what the command line left unset.
        let request: LaunchRequest
        do { request = try FlagEnvironment.apply(to: self.request, environment: context.environment) } catch { throw .plan(error) }
        try WorkspaceDirectories.create(for: request)
        do {
            var plan = try Planner(request: request, host: context, hostFS: hostFS, image: image, policy: policy)
                .plan(image: location, imageChecks: checks)
            plan.warm = try WarmDecision.decide(
                request: request, policy: policy.warm, host: context, facts: WarmFacts.read(), plan: plan)
            return Prepared(plan: plan, image: image)
        } catch {
            throw .plan(error)
        }
    }

    /// Step 6: runs the workload; returns its exit status (code, or 128+N after signal N).
    /// `coldFallback` hears why a launch planned warm runs cold after all.
    public static func run(_ prepared: Prepared, coldFallback: (String) -> Void = { _ in }) throws(LaunchError) -> Int32 {
        if let scope = prepared.plan.share {
            return try SharedContainer(plan: prepared.plan, image: prepared.image, scope: scope).run()
        }
        if prepared.plan.warm.enabled {
            switch try WarmLaunch(plan: prepared.plan, image: prepared.image).run() {
            case .ran(let status): return status
            case .cold(let reason): coldFallback(reason)
            }
        }
        return try Executor(plan: prepared.plan, image: prepared.image).run()
    }
}
