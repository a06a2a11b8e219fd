import ArgumentParser
import Glibc
import GourdCore
import GourdRuntime

@main
struct Gourd: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "gourd",
        abstract: "Run programs inside a squashfs image, unprivileged: no root, no setuid helper, no daemon.",
        discussion: """
            Exit status: the workload's own; 128+N when it died of signal N; 125 when gourd failed \
            before the workload started; 126 when the command cannot be executed; 127 when it is \
            not found in the image.
            """,
        version: version,
        subcommands: [
            Exec.self, Run.self, Shell.self, Plan.self, Inspect.self, Build.self, Pull.self, Cache.self, Check.self,
            Test.self, RunHelp.self,
        ])

    /// Argument errors exit 125 like every other failure before the workload starts
    /// (swift-argument-parser would use 64); help and --version exit 0.
    ///
    /// A setuid, setgid or file-capable copy refuses before anything else: no argument is parsed
    /// and no file is read with privilege (--help, --version, inspect and check included).
    static func main() {
        do throws(LaunchError) {
            try PrivilegeCheck.verify()
        } catch {
            FileHandle.standardError.write("gourd: \(error)\n")
            Glibc.exit(GourdExit.launchFailed)
        }
        let arguments = GlobalOptions.current.rest
        if let answer = GlobalOptions.versionAnswer(arguments, personality: GlobalOptions.personality, gourdVersion: version) {
            print(answer)
            Glibc.exit(0)
        }
        if let (name, reason) = GlobalOptions.unsupportedOption(in: arguments) {
            FileHandle.standardError.write("gourd: \(UnsupportedOption.message(name, reason))\n")
            Glibc.exit(GourdExit.launchFailed)
        }
        if let invocation = FastLaunchParser.parse(arguments) { Glibc.exit(invocation.launch()) }
        do {
            var command = try parseAsRoot(BareGPUFlag.normalize(arguments))
            try command.run()
        } catch let code as ExitCode {
            Glibc.exit(code.rawValue)
        } catch {
            if exitCode(for: error) == .success { exit(withError: error) }
            let message = fullMessage(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            FileHandle.standardError.write("gourd: \(message)\n")
            Glibc.exit(GourdExit.launchFailed)
        }
    }
}

enum FileHandle {
    case standardError
    func write(_ text: String) {
        var bytes = Array(text.utf8)
        _ = Glibc.write(2, &bytes, bytes.count)
    }
}
