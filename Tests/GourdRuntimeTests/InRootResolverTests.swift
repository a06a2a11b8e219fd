import CGourdCommon
import Foundation
import Glibc
import Testing

/// gourd's userspace in-root resolver (gc_resolve_in_root, for kernels without openat2) against
/// the same escape cases as the kernel's openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)
/// (gc_open_in_root on this kernel): each case runs with both and must give what the case
/// expects, and the same answer from both (the same file, or the same errno). No namespaces:
/// safe in the multi-threaded test runner.
/// open(2)'s O_PATH on x86_64 and arm64 (asm-generic/fcntl.h): Swift's Glibc lacks it.
private let oPath: Int32 = 0o10000000

@Suite("In-root resolver")
struct InRootResolverTests {
    /// What a resolution must give.
    enum Expected: Sendable, CustomStringConvertible {
        case file(String)  // this path under the test root (or under /proc for procfs cases)
        case link(String)  // the symlink itself (O_PATH | O_NOFOLLOW), at this path
        case error(Int32)

        var description: String {
            switch self {
            case .file(let path): return "file \(path)"
            case .link(let path): return "link \(path)"
            case .error(let e): return "errno \(e) (\(String(cString: strerror(e))))"
            }
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var path: String
        var flags: Int32 = oPath
        var expected: Expected
        var testDescription: String { "\(path) flags \(String(flags, radix: 8)) -> \(expected)" }
    }

    /// A tree with every trap openat2's RESOLVE_IN_ROOT exists for: absolute and relative
    /// symlinks pointing above the root, "..", loops, a chain one link longer than the kernel
    /// allows, dangling links, files used as directories.
    final class Tree {
        let root: String
        let rootFD: Int32

        init() {
            var template = Array("/tmp/gourd-resolve-XXXXXX".utf8CString)
            let root = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
            for dir in ["etc", "dir", "dir/sub", "deep"] { mkdir(root + "/" + dir, 0o755) }
            Self.write(root, "inside\n", to: "etc/passwd")
            Self.write(root, "file\n", to: "file")
            Self.write(root, "sub\n", to: "dir/sub/f")
            Self.link(root, "/etc", "escape-abs")
            Self.link(root, "../../../../../../etc", "escape-rel")
            Self.link(root, "../../../../../..", "dir/up")
            Self.link(root, "/dir/sub", "dir/abs")
            Self.link(root, "sub/../../../../etc", "dir/climb")
            Self.link(root, "loop2", "loop1")
            Self.link(root, "loop1", "loop2")
            Self.link(root, "/nonexistent", "dangling")
            Self.link(root, "/etc/passwd", "to-passwd")
            Self.link(root, "/proc/self/root", "to-magic")
            // l0 -> etc, lN -> l(N-1): "lN/passwd" follows N+1 links.
            Self.link(root, "etc", "l0")
            for n in 1...40 { Self.link(root, "l\(n - 1)", "l\(n)") }
            self.root = root
            rootFD = open(root, oPath | O_DIRECTORY | O_CLOEXEC)
        }

        deinit {
            close(rootFD)
            try? FileManager.default.removeItem(atPath: root)
        }

        static func write(_ root: String, _ text: String, to path: String) {
            let fd = open(root + "/" + path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            _ = text.withCString { Glibc.write(fd, $0, strlen($0)) }
            close(fd)
        }

        static func link(_ root: String, _ target: String, _ path: String) { symlink(target, root + "/" + path) }
    }

    static let escapes: [Case] = [
        Case(path: "escape-abs/passwd", expected: .file("etc/passwd")),
        Case(path: "escape-rel/passwd", expected: .file("etc/passwd")),
        Case(path: "/escape-abs/passwd", flags: O_RDONLY, expected: .file("etc/passwd")),
        Case(path: "../../../../etc/passwd", expected: .file("etc/passwd")),
        Case(path: "dir/sub/../../../../../etc/passwd", expected: .file("etc/passwd")),
        Case(path: "dir/up/etc/passwd", expected: .file("etc/passwd")),
        Case(path: "dir/up/dir/abs/f", expected: .file("dir/sub/f")),
        Case(path: "dir/climb/passwd", expected: .file("etc/passwd")),
        Case(path: "to-passwd", flags: O_RDONLY, expected: .file("etc/passwd")),
        Case(path: "", expected: .file("")),
        Case(path: "/", expected: .file("")),
        Case(path: "..", expected: .file("")),
        Case(path: "../..", flags: O_RDONLY | O_DIRECTORY, expected: .file("")),
        Case(path: "dir/sub/", expected: .file("dir/sub")),
        Case(path: "dir/./sub/.", expected: .file("dir/sub")),
        Case(path: "dir/abs", expected: .file("dir/sub")),
        Case(path: "l39/passwd", expected: .file("etc/passwd")),  // 40 links: the kernel's limit
        Case(path: "l40/passwd", expected: .error(ELOOP)),  // 41
        Case(path: "loop1", expected: .error(ELOOP)),
        Case(path: "loop1/x", expected: .error(ELOOP)),
        Case(path: "dangling", expected: .error(ENOENT)),
        Case(path: "missing/x", expected: .error(ENOENT)),
        Case(path: "file/x", expected: .error(ENOTDIR)),
        Case(path: "file/", expected: .error(ENOTDIR)),
        Case(path: "file", flags: oPath | O_DIRECTORY, expected: .error(ENOTDIR)),
        Case(path: "to-passwd", flags: oPath | O_NOFOLLOW, expected: .link("to-passwd")),
        Case(path: "to-passwd", flags: O_RDONLY | O_NOFOLLOW, expected: .error(ELOOP)),
        Case(path: "to-passwd", flags: O_WRONLY | O_CREAT | O_EXCL, expected: .error(EEXIST)),
        Case(path: "dir", flags: O_WRONLY, expected: .error(EISDIR)),
        Case(path: String(repeating: "n", count: 300), expected: .error(ENAMETOOLONG)),
        // Inside the root, /proc is an ordinary (here: missing) directory.
        Case(path: "to-magic/etc", expected: .error(ENOENT)),
    ]

    /// Resolutions with the host's procfs as the root: plain procfs links (self, thread-self)
    /// are followed, magic links (/proc/PID/root, cwd, exe, fd/N) refused with ELOOP.
    static let procfs: [Case] = [
        Case(path: "self/status", expected: .file("self/status")),
        Case(path: "thread-self/status", expected: .file("thread-self/status")),
        Case(path: "self/root/etc", expected: .error(ELOOP)),
        Case(path: "self/cwd", expected: .error(ELOOP)),
        Case(path: "self/exe", flags: O_RDONLY, expected: .error(ELOOP)),
        Case(path: "self/fd/0", flags: O_RDONLY, expected: .error(ELOOP)),
        Case(path: "self/root", flags: oPath | O_NOFOLLOW, expected: .link("self/root")),
    ]

    /// (device, inode, is a symlink) of what `fd` opened, or the errno.
    typealias Outcome = Result<[UInt64], ResolveError>
    struct ResolveError: Error, Equatable { var errno: Int32 }

    static func outcome(_ fd: Int32) -> Outcome {
        guard fd >= 0 else { return .failure(ResolveError(errno: errno)) }
        defer { close(fd) }
        var st = stat()
        fstat(fd, &st)
        return .success([UInt64(st.st_dev), UInt64(st.st_ino), st.st_mode & S_IFMT == S_IFLNK ? 1 : 0])
    }

    static func expectedOutcome(_ expected: Expected, base: String) -> Outcome {
        switch expected {
        case .error(let e): return .failure(ResolveError(errno: e))
        case .file(let path), .link(let path):
            let fd = open(base + "/" + path, oPath | O_NOFOLLOW | O_CLOEXEC)
            return outcome(fd)
        }
    }

    /// `strict` false (procfs): only success, errno and link-ness count, since procfs may give
    /// a per-process entry a new inode number on each lookup.
    func check(_ c: Case, rootFD: Int32, base: String, strict: Bool = true) {
        func shape(_ o: Outcome) -> Outcome { strict ? o : o.map { [$0[2]] } }
        let want = shape(Self.expectedOutcome(c.expected, base: base))
        let userspace = shape(Self.outcome(gc_resolve_in_root(rootFD, c.path, c.flags)))
        #expect(userspace == want, "gourd's resolver: \(c.path)")
        if gc_missing_syscalls() & Int32(GC_SYSCALL_OPENAT2.rawValue) == 0 {
            let kernel = shape(Self.outcome(gc_open_in_root(rootFD, c.path, c.flags)))
            #expect(kernel == want, "openat2: \(c.path)")
            #expect(userspace == kernel, "the two disagree on \(c.path)")
        }
    }

    @Test(arguments: escapes) func resolvesInsideTheRootAsOpenat2Does(_ c: Case) {
        let tree = Tree()
        check(c, rootFD: tree.rootFD, base: tree.root)
    }

    @Test(arguments: procfs) func refusesMagicLinksAsOpenat2Does(_ c: Case) {
        let proc = open("/proc", oPath | O_DIRECTORY | O_CLOEXEC)
        defer { close(proc) }
        check(c, rootFD: proc, base: "/proc", strict: false)
    }

    /// O_CREAT through a symlink that points above the root creates the file inside the root.
    @Test func createsThroughAnEscapingLinkInsideTheRoot() {
        let tree = Tree()
        let name = "gourd-resolver-created-\(getpid())"
        let fd = gc_resolve_in_root(tree.rootFD, "escape-abs/" + name, O_WRONLY | O_CREAT | O_EXCL)
        #expect(fd >= 0, "\(String(cString: strerror(errno)))")
        close(fd)
        #expect(access(tree.root + "/etc/" + name, F_OK) == 0)
        #expect(access("/etc/" + name, F_OK) != 0)
    }

    /// ".." stops at the descriptor given as the root, even when that is a plain directory
    /// (neither a mount nor the process's root): the walk never asks the kernel for "..".
    @Test func dotDotNeverLeavesTheRootDescriptor() {
        let tree = Tree()
        let inner = open(tree.root + "/dir", oPath | O_DIRECTORY | O_CLOEXEC)
        defer { close(inner) }
        let fd = gc_resolve_in_root(inner, "sub/../../../etc/passwd", oPath)
        #expect(fd < 0 && errno == ENOENT, "'..' above the root descriptor must stay at it")
        if fd >= 0 { close(fd) }
        let up = Self.outcome(gc_resolve_in_root(inner, "../..", oPath))
        #expect(up == Self.expectedOutcome(.file("dir"), base: tree.root))
    }
}
