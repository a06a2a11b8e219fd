import Glibc
import GourdCore
import GourdRuntime

/// One parsed `gourd exec|run|shell|plan` command line, however it was parsed.
struct LaunchInvocation: Equatable {
    typealias Mode = LaunchRequest.Mode

    var image: String
    var mode: Mode
    var binds: [String] = []
    var environment: [String] = []
    var cleanEnvironment = false
    var workdir: String?
    var mountHome = true
    var verbose = false
    var gpu: GPUChoice?
    var devices: DeviceMode?
    var share: ShareRequest = .auto

    var request: LaunchRequest {
        LaunchRequest(mode: mode, binds: binds, environment: environment, cleanEnvironment: cleanEnvironment,
                      workdir: workdir, mountHome: mountHome, gpu: gpu, devices: devices, share: share)
    }

    /// Plans and runs; returns the status gourd exits with (the workload's, or 125/126/127).
    func launch() -> Int32 {
        do throws(LaunchError) {
            let (plan, squash) = try makePlan()
            if verbose { plan.notes.forEach { FileHandle.standardError.write("gourd: note: \($0)\n") } }
            plan.warnings.forEach { FileHandle.standardError.write("gourd: warning: \($0)\n") }
            if let scope = plan.share {
                if verbose { FileHandle.standardError.write("gourd: note: sharing one container: \(scope.reason) (\(scope.key))\n") }
                return try SharedContainer(plan: plan, image: squash, scope: scope).run()
            }
            return try Executor(plan: plan, image: squash).run()
        } catch {
            FileHandle.standardError.write("gourd: \(error)\n")
            return error.exitCode
        }
    }

    /// Everything up to the launch: privilege check, site policy, image (opened once, checked
    /// against the policy), plan.
    func makePlan() throws(LaunchError) -> (LaunchPlan, SquashImage) {
        try PrivilegeCheck.verify()
        let policy: Policy
        do { policy = try PolicyLoader.load() } catch { throw .policy(error) }
        let hostFS = HostFiles()
        let path = hostFS.realPath(image) ?? image
        let (squash, location) = try ImageFile.open(path)
        let context = HostProbe.context()
        let variables = PolicyVariables(identity: context.identity, environment: context.environment)
        let checks = try ImageAdmission.check(squash, rules: policy.images, variables: variables, hostFS: hostFS)
        do {
            var plan = try Planner(request: request, host: context, hostFS: hostFS, image: squash, policy: policy)
                .plan(image: location)
            plan.imageChecks = checks
            return (plan, squash)
        } catch {
            throw .plan(error)
        }
    }
}
