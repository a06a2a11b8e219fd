import ArgumentParser
import GourdCore
import GourdRuntime

extension Gourd {
    struct Plan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the launch plan (mounts, devices, identity, environment, argv) without running anything.",
            discussion: "Without COMMAND, the plan is that of 'gourd run IMAGE'. The same plan drives a real launch.")

        @OptionGroup var options: LaunchOptions
        @Flag(name: .customLong("json"), help: "Print the plan as JSON, for tools.")
        var json = false
        @Argument(help: "The squashfs image.") var image: String
        @Argument(parsing: .captureForPassthrough, help: "The command and its arguments.") var command: [String] = []

        func run() throws {
            let mode: LaunchInvocation.Mode = command.isEmpty ? .run([]) : .exec(command)
            var invocation = options.invocation(image: image, mode: mode)
            if ImageReference.isRemote(image) {
                switch RemoteImage.resolve(image, quiet: true, pull: false) {
                case .success(let path): invocation.image = path
                case .failure(let failure):
                    FileHandle.standardError.write("gourd: \(failure.message)\n")
                    throw ExitCode(GourdExit.launchFailed)
                }
            }
            do throws(LaunchError) {
                var plan = try invocation.launcher.prepare().plan
                plan.kernel = KernelProbe.support()
                print(json ? PlanReport.json(plan) : PlanReport.text(plan), terminator: json ? "\n" : "")
            } catch {
                FileHandle.standardError.write("gourd: \(error)\n")
                throw ExitCode(error.exitCode)
            }
        }
    }
}
