import Glibc
import GourdCore
import GourdRuntime

/// One parsed `gourd exec|run|shell` command line, however it was parsed.
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

    /// Plans and runs; returns the status gourd exits with (the workload's, or 125/126/127).
    func launch() -> Int32 {
        do throws(LaunchError) {
            try PrivilegeCheck.verify()
            let hostFS = HostFiles()
            let path = hostFS.realPath(image) ?? image
            let squash = try SquashImage(path: path)
            let request = LaunchRequest(mode: mode, binds: binds, environment: environment,
                                        cleanEnvironment: cleanEnvironment, workdir: workdir, mountHome: mountHome)
            let plan: LaunchPlan
            do {
                plan = try Planner(request: request, host: HostProbe.context(), hostFS: hostFS, image: squash)
                    .plan(image: ImageLocation(path: path))
            } catch {
                throw LaunchError.plan(error)
            }
            if verbose { plan.notes.forEach { FileHandle.standardError.write("gourd: note: \($0)\n") } }
            return try Executor(plan: plan, image: squash).run()
        } catch {
            FileHandle.standardError.write("gourd: \(error)\n")
            return error.exitCode
        }
    }
}
