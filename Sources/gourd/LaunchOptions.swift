import ArgumentParser
import Glibc
import GourdCore
import GourdRuntime

/// Options shared by exec, run and shell.
struct LaunchOptions: ParsableArguments {
    @Option(name: [.customShort("B"), .long], help: ArgumentHelp(
        "Bind a host path: SRC[:DST[:ro|rw]]. Repeatable; also GOURD_BIND (comma-separated).",
        valueName: "spec"))
    var bind: [String] = []

    @Option(name: .long, help: ArgumentHelp("Set NAME=VALUE inside (repeatable; wins over everything).", valueName: "NAME=VALUE"))
    var env: [String] = []

    @Flag(name: .customLong("cleanenv"), help: "Start from a minimal environment instead of the host's.")
    var cleanEnvironment = false

    @Flag(name: [.short, .long], help: "Print the plan's notes (skipped mounts and why) to stderr.")
    var verbose = false

    /// Plans and runs; never returns normally (throws ExitCode with the workload's status).
    func launch(image: String, mode: LaunchRequest.Mode) throws -> Never {
        do {
            try PrivilegeCheck.verify()
            let host = HostProbe.context()
            let hostFS = HostFiles()
            let path = hostFS.realPath(image) ?? image
            let squash = try SquashImage(path: path)
            let request = LaunchRequest(mode: mode, binds: bind, environment: env, cleanEnvironment: cleanEnvironment)
            let plan: LaunchPlan
            do {
                plan = try Planner(request: request, host: host, hostFS: hostFS, image: squash).plan(image: ImageLocation(path: path))
            } catch {
                throw LaunchError.plan(error)
            }
            if verbose { plan.notes.forEach { FileHandle.standardError.write("gourd: note: \($0)\n") } }
            throw ExitCode(try Executor(plan: plan, image: squash).run())
        } catch let error as LaunchError {
            FileHandle.standardError.write("gourd: \(error)\n")
            throw ExitCode(error.exitCode)
        }
    }
}
