import CGourdBuild
import Glibc
import GourdCore
import GourdRuntime

/// Packs the root into a squashfs file with Debian's mksquashfs (squashfs-tools), run as
/// root of the build's user namespace so that it can read every file whatever its mode.
/// Reproducible: every timestamp (files and superblock) is the build time, every owner
/// root, no xattrs, and mksquashfs 4.4+ writes directories sorted and output in order.
struct Packer {
    static let compressions = ["zstd", "gzip", "xz", "lz4", "lzo"]

    let workspace: BuildWorkspace
    let signals: BuildSignals
    let log: BuildLog

    static func find(_ name: String) -> String? {
        let path = (getenv("PATH").map { String(cString: $0) } ?? "") + ":/usr/sbin:/usr/bin:/sbin:/bin"
        for dir in path.split(separator: ":") where dir.hasPrefix("/") {
            let candidate = "\(dir)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    func argv(mksquashfs: String, output: String, compression: String, time: Int64) -> [String] {
        [
            mksquashfs, workspace.root, output, "-noappend", "-comp", compression, "-all-root", "-no-xattrs",
            "-mkfs-time", String(time), "-all-time", String(time),
        ]
            + (log.terminal && !log.quiet ? [] : ["-quiet", "-no-progress"])
    }

    /// Writes `output` (which must not exist: the caller passes a temporary name).
    func pack(to output: String, compression: String, time: Int64) throws(BuildError) {
        guard let mksquashfs = Self.find("mksquashfs") else {
            throw BuildError("mksquashfs not found: install squashfs-tools")
        }
        // In a log, mksquashfs's output is kept aside and shown only when it fails.
        let logPath = workspace.path + "/mksquashfs.log"
        let logFD = log.terminal && !log.quiet ? -1 : open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        defer { if logFD >= 0 { close(logFD) } }
        var report: [Int32] = [-1, -1]
        guard gb_pipe(&report) == 0 else { throw .system("pipe2", errno: errno) }
        defer { close(report[0]) }
        let args = CStringArray(argv(mksquashfs: mksquashfs, output: output, compression: compression, time: time))
        let env = CStringArray(["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C"])
        var mask = signals.original
        let pid = withExtendedLifetime((args, env)) {
            gb_spawn_program(args.base, env.base, -1, logFD, logFD, &mask, report[1])
        }
        close(report[1])
        guard pid > 0 else { throw .system("fork", result: pid) }
        let (code, failure) = try signals.wait(for: pid, report: report[0])
        if let failure { throw .child(failure, what: mksquashfs) }
        guard code == 0 else {
            var detail = ""
            if logFD >= 0, let text = Self.readText(logPath) {
                detail = ": " + text.split(separator: "\n").suffix(3).joined(by: " / ")
            }
            throw BuildError("mksquashfs failed with exit status \(code)\(detail)")
        }
    }

    /// A small text file's contents (nil when unreadable).
    static func readText(_ path: String) -> String? {
        (try? Syscall.readFile(path, limit: 16 << 20).get()).map { String(decoding: $0, as: UTF8.self) }
    }
}
