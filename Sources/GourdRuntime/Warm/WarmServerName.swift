import Crypto
import Glibc
import GourdCore
import GourdFormats

/// Where a warm server is found: an abstract unix socket (unix(7)), as for shared containers,
/// named after the caller's uid and a digest of the scope, the image file's identity (device,
/// inode, size, mtime: a file replaced or rewritten gets another name) and what shapes the
/// served image (`WarmPlan.serverFingerprint`). The kernel frees the name with the server's
/// last descriptor on it, so nothing is ever left on disk.
enum WarmServerName {
    static func name(plan: LaunchPlan, image: any ServableImage) -> String {
        var st = stat()
        fstat(image.descriptor, &st)
        let key =
            "scope \(plan.warm.scope ?? "")\n" + "file \(FileIdentity(st).text)\n" + WarmPlan.serverFingerprint(plan)
        return digestName("gourd/\(getuid())/warm/", key: key)
    }

    /// `prefix` and the first 20 bytes of `key`'s SHA-256 in hex: the abstract socket names of
    /// warm servers and of shared containers.
    static func digestName(_ prefix: String, key: String) -> String {
        prefix + Hex.encode(Array(SHA256.hash(data: Array(key.utf8)).prefix(20)))
    }
}

/// What makes a file the same file: device, inode, size, modification time (stat(2)).
struct FileIdentity: Equatable {
    let device: UInt64
    let inode: UInt64
    let size: Int64
    let mtime: timespec

    init(_ st: stat) {
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        size = Int64(st.st_size)
        mtime = st.st_mtim
    }

    var text: String { "\(device) \(inode) \(size) \(mtime.tv_sec).\(mtime.tv_nsec)" }

    static func == (a: FileIdentity, b: FileIdentity) -> Bool { a.text == b.text }
}

/// The facts `WarmDecision` needs that only the running process can read.
enum WarmFacts {
    static func read() -> WarmDecision.Facts {
        let cgroup = (try? Syscall.readFile("/proc/self/cgroup", limit: 64 * 1024).get())
            .map { bytes in
                // cgroup v1 lists one line per hierarchy: those at the root say nothing.
                String(decoding: bytes, as: UTF8.self).split(separator: "\n").filter { !$0.hasSuffix(":/") }.sorted()
                    .joined(by: ";")
            }
        // The audit login session (pam_loginuid sets it at login; 4294967295: unset), else the
        // process session (setsid(2)), which a terminal login or a job script's shell starts.
        var session = "sid \(getsid(0))"
        if let bytes = try? Syscall.readFile("/proc/self/sessionid", limit: 64).get() {
            let text = String(decoding: bytes.filter { $0 > 32 }, as: UTF8.self)
            if !text.isEmpty && text != "4294967295" { session = "login \(text)" }
        }
        return WarmDecision.Facts(cgroup: cgroup, session: session)
    }
}
