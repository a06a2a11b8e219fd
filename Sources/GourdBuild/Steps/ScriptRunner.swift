import CGourdBuild
import Glibc
import GourdCore
import GourdRuntime

/// Runs a shell script inside the root being built (gb_spawn_script): %post writable, %test
/// on a read-only root; both as root of the build's user namespace (the builder on the
/// host), with the host's network and resolv.conf, and the fake-root seccomp filter.
struct ScriptRunner {
    let workspace: BuildWorkspace
    let signals: BuildSignals

    /// The environment scripts start with: a fixed PATH and HOME, the proxy settings and
    /// terminal of the caller (builds download), then the base image's own environment.
    static func environment(base: BaseImage, extra: [String]) -> [String] {
        var env = [
            "PATH=" + EnvironmentRules.defaultPath, "HOME=/root",
            "USER=root", "LOGNAME=root",
        ]
        let passed = [
            "TERM", "http_proxy", "https_proxy", "ftp_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY",
            "FTP_PROXY", "NO_PROXY", "SOURCE_DATE_EPOCH",
        ]
        for name in passed {
            if let value = getenv(name) { env.append("\(name)=\(String(cString: value))") }
        }
        var result: [String] = []
        // Later entries win: keep the last of each name, in first-appearance order.
        for entry in env + base.environment + extra {
            let name = entry.split(separator: "=", maxSplits: 1).first.map(String.init) ?? entry
            result.removeAll { $0.hasPrefix(name + "=") }
            result.append(entry)
        }
        return result
    }

    /// Runs `argv` (argv[0] absolute inside the root); returns its exit status (128 + N for
    /// signal N). Set-up failures throw, naming `what`.
    /// With `enterRoot` false, argv[0] is a host program (debootstrap) that fills the root;
    /// `output` (when not -1) receives its stdout and stderr.
    func run(
        _ argv: [String], environment: [String], readOnly: Bool, tmp: String?, what: String,
        enterRoot: Bool = true, output: Int32 = -1
    ) throws(BuildError) -> Int32 {
        var lifeline: [Int32] = [-1, -1]
        var report: [Int32] = [-1, -1]
        guard gb_pipe(&lifeline) == 0, gb_pipe(&report) == 0 else { throw .system("pipe2", errno: errno) }
        let devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)
        let cArgv = CStringArray(argv)
        let cEnv = CStringArray(environment)
        let cTmp = CStringArray(tmp.map { [$0] } ?? [])
        let pid: pid_t = withExtendedLifetime((cArgv, cEnv, cTmp)) {
            workspace.root.withCString { root in
                "/".withCString { workdir in
                    var spec = gb_script_spec(
                        root: root, enter_root: enterRoot ? 1 : 0, tmp_source: cTmp.constBase[0],
                        readonly_root: readOnly ? 1 : 0, fake_root_calls: 1, argv: cArgv.base, envp: cEnv.base,
                        workdir: workdir, child_mask: signals.original, stdin_fd: devnull, output_fd: output,
                        lifeline_read: lifeline[0], lifeline_write: lifeline[1],
                        report_write: report[1], report_read: report[0])
                    return gb_spawn_script(&spec)
                }
            }
        }
        close(devnull)
        close(lifeline[0])
        close(report[1])
        defer {
            close(lifeline[1])
            close(report[0])
        }
        guard pid > 0 else { throw .system("clone(CLONE_NEWNS|CLONE_NEWPID) for \(what)", result: pid) }
        let (code, failure) = try signals.wait(for: pid, report: report[0])
        if let failure {
            if failure.step == Int32(GB_STEP_EXEC.rawValue), failure.err == ENOENT {
                throw BuildError("\(what): \(argv[0]) does not exist in the image")
            }
            if failure.step == Int32(GB_STEP_EXEC.rawValue), failure.err == EACCES {
                throw BuildError(
                    "\(what): cannot execute \(argv[0]): permission denied (is TMPDIR, where the root is built, on a noexec file system? set TMPDIR)"
                )
            }
            throw .child(failure, what: what)
        }
        return code
    }
}
