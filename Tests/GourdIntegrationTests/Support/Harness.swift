import CGourdTestSupport
import Foundation
import Testing

/// Where the integration tests find gourd, the images, and the ordinary user they run it as.
///
/// `make test` sets GOURD_TEST_BIN, GOURD_TEST_IMAGES and, when the runner is root,
/// GOURD_TEST_USER; a developer running `swift test` as an ordinary user gets the defaults
/// (.build/debug/gourd and .testdata/images, built by `make images`).
struct TestEnvironment: Sendable {
    struct User: Sendable {
        var name: String
        var uid: UInt32
        var gid: UInt32
        var home: String
    }

    static let shared = TestEnvironment()

    let packageRoot: String
    let gourd: String
    let images: String
    /// The ordinary user gourd runs as (the runner's own account when it is not root).
    let user: User
    /// True when the runner is root and switches to `user` with setpriv for every launch.
    let switchesUser: Bool
    /// GOURD_TEST_WRAP (space-separated): a command every gourd the tests start as the test user
    /// runs under, after the user switch. `make test` sets it for its second pass:
    /// Tests/Support/enosys.py linux-4.18 --, so that every launch takes the kernel fallbacks.
    let wrap: [String]

    init() {
        let env = ProcessInfo.processInfo.environment
        packageRoot =
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
        gourd = env["GOURD_TEST_BIN"] ?? packageRoot + "/.build/debug/gourd"
        images = env["GOURD_TEST_IMAGES"] ?? packageRoot + "/.testdata/images"
        wrap = (env["GOURD_TEST_WRAP"] ?? "").split(separator: " ").map(String.init)
        if getuid() == 0 {
            let name = env["GOURD_TEST_USER"] ?? "gourdtest"
            guard let pw = getpwnam(name) else { fatalError("running as root needs the test user '\(name)' (make test creates it)") }
            user = User(name: name, uid: pw.pointee.pw_uid, gid: pw.pointee.pw_gid, home: String(cString: pw.pointee.pw_dir))
            switchesUser = true
        } else {
            let pw = getpwuid(getuid())!
            user = User(
                name: String(cString: pw.pointee.pw_name), uid: getuid(), gid: getgid(),
                home: String(cString: pw.pointee.pw_dir))
            switchesUser = false
        }
    }

    func image(_ name: String) -> String { images + "/" + name }

    /// The argv prefix that runs a command as the test user.
    var userPrefix: [String] {
        switchesUser ? ["/usr/bin/setpriv", "--reuid=\(user.uid)", "--regid=\(user.gid)", "--clear-groups", "--"] : []
    }

    /// The argv prefix of a launch as the test user: `userPrefix`, then `wrap`.
    var launchPrefix: [String] { userPrefix + wrap }

    /// The seccomp filters `wrap` stacks under gourd's own (enosys.py: one), which a workload's
    /// Seccomp_filters count includes.
    var wrapFilters: Int { wrap.isEmpty ? 0 : 1 }

    /// The environment an ordinary login would give the test user, plus `extra`.
    func environment(_ extra: [String: String]) -> [String] {
        var env = [
            "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": user.home, "USER": user.name,
            "LOGNAME": user.name, "LANG": "C.UTF-8",
        ]
        env.merge(extra) { _, new in new }
        return env.sorted(by: { $0.key < $1.key }).map { "\($0.key)=\($0.value)" }
    }
}

/// What a finished gourd run left: exit status as a shell reports it, and its output.
struct Outcome: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String

    var lines: [String] { stdout.split(separator: "\n").map(String.init) }
    var description: String { "status \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
}

enum HarnessError: Error, CustomStringConvertible {
    case spawn(Int32)
    case timeout([String])
    var description: String {
        switch self {
        case .spawn(let e): return "spawn failed: \(String(cString: strerror(e)))"
        case .timeout(let argv): return "timed out (killed): \(argv.joined(separator: " "))"
        }
    }
}

/// A gourd process started in the background (its output goes to files).
final class RunningGourd {
    let pid: pid_t
    let argv: [String]
    private let outPath: String
    private let errPath: String

    init(pid: pid_t, argv: [String], outPath: String, errPath: String) {
        self.pid = pid
        self.argv = argv
        self.outPath = outPath
        self.errPath = errPath
    }

    func signal(_ signo: Int32) { kill(pid, signo) }

    /// Waits for the process; on timeout kills it and throws.
    func wait(timeout: Double = 20) throws -> Outcome {
        var code: Int32 = 0
        let rc = gdt_wait(pid, Int32(timeout * 1000), &code)
        if rc == -ETIMEDOUT {
            kill(pid, SIGKILL)
            _ = gdt_wait(pid, 5000, &code)
            throw HarnessError.timeout(argv)
        }
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        unlink(outPath)
        unlink(errPath)
        return Outcome(status: code, stdout: out, stderr: err)
    }

    /// The output written so far.
    func stdoutSoFar() -> String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }

    /// Polls stdout until it contains `text` (the workload is ready).
    func waitForOutput(_ text: String, timeout: Double = 10) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if stdoutSoFar().contains(text) { return true }
            usleep(10_000)
        }
        return false
    }
}

enum Gourd {
    static var env: TestEnvironment { .shared }

    /// Starts `gourd ARGS` as the test user with a clean descriptor set (0, 1, 2 and `keep`).
    /// `wrapped` false: without `TestEnvironment.wrap` (its no-new-privs makes exec ignore
    /// setuid bits and file capabilities, which the privilege-refusal tests need).
    static func start(
        _ args: [String], env extra: [String: String] = [:], cwd: String? = nil,
        stdin: String = "/dev/null", keep: Int32 = -1, raw: Bool = false,
        asRunner: Bool = false, wrapped: Bool = true
    ) throws -> RunningGourd {
        let prefix = asRunner ? [] : wrapped ? env.launchPrefix : env.userPrefix
        let argv = prefix + (raw ? args : [env.gourd] + args)
        let dir = Scratch.shared.path
        let id = UUID().uuidString
        let outPath = "\(dir)/out-\(id)"
        let errPath = "\(dir)/err-\(id)"
        let inFD = open(stdin, O_RDONLY | O_CLOEXEC)
        let outFD = open(outPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        let errFD = open(errPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        defer {
            close(inFD)
            close(outFD)
            close(errFD)
        }
        let pid = spawn(
            argv, environment: env.environment(extra), cwd: cwd ?? Scratch.shared.path,
            in: inFD, out: outFD, err: errFD, keep: keep, ctty: false)
        guard pid > 0 else { throw HarnessError.spawn(-pid) }
        return RunningGourd(pid: pid, argv: argv, outPath: outPath, errPath: errPath)
    }

    /// Runs `gourd ARGS` to completion as the test user.
    @discardableResult
    static func run(
        _ args: [String], env extra: [String: String] = [:], cwd: String? = nil,
        keep: Int32 = -1, timeout: Double = 20
    ) throws -> Outcome {
        try start(args, env: extra, cwd: cwd, keep: keep).wait(timeout: timeout)
    }

    /// `gourd exec IMAGE sh -c SCRIPT` on the default zstd image.
    static func sh(
        _ script: String, image: String = "busybox-zstd.sqfs", options: [String] = [],
        env extra: [String: String] = [:], cwd: String? = nil
    ) throws -> Outcome {
        try run(["exec"] + options + [Gourd.env.image(image), "sh", "-c", script], env: extra, cwd: cwd)
    }

    static func spawn(
        _ argv: [String], environment: [String], cwd: String, in inFD: Int32, out outFD: Int32,
        err errFD: Int32, keep: Int32, ctty: Bool
    ) -> pid_t {
        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup($0) } + [nil]
        defer {
            for pointer in cArgv + cEnv { free(pointer) }
        }
        return gdt_spawn(cArgv, cEnv, cwd, inFD, outFD, errFD, keep, ctty ? 1 : 0)
    }
}

/// A directory both the runner and the test user can write, under /tmp (so it is inside
/// the container too, through the default /tmp bind).
final class Scratch: @unchecked Sendable {
    static let shared = Scratch()
    let path: String

    /// Under GOURD_TEST_SCRATCH when set (make test: inside its stage directory, replaced on
    /// every run), else a new /tmp/gourd-it-XXXXXX. It must lie under /tmp.
    private init() {
        let base = ProcessInfo.processInfo.environment["GOURD_TEST_SCRATCH"] ?? "/tmp"
        mkdir(base, 0o777)
        chmod(base, 0o777)
        var template = Array("\(base)/gourd-it-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        chmod(path, 0o777)
    }

    /// Creates a fresh subdirectory owned by the test user.
    func directory(_ name: String) -> String {
        let dir = path + "/" + name + "-" + UUID().uuidString.prefix(8)
        mkdir(dir, 0o755)
        chownToUser(dir)
        return dir
    }

    func write(_ contents: String, to file: String) {
        try! contents.write(toFile: file, atomically: false, encoding: .utf8)
        chownToUser(file)
    }

    func chownToUser(_ path: String) {
        if TestEnvironment.shared.switchesUser {
            chown(path, TestEnvironment.shared.user.uid, TestEnvironment.shared.user.gid)
        }
    }
}
