import CGourdBuild
import Glibc
import GourdCore

/// The temporary directory of one build, `$TMPDIR/gourd-build.XXXXXX` (mode 0700): the root
/// being built in `root/`, the /tmp of %post and %test in `tmp/`, scratch files beside.
/// `remove()` deletes all of it; the builder calls it on every way out.
final class BuildWorkspace {
    let path: String
    var root: String { path + "/root" }
    var tmp: String { path + "/tmp" }
    /// The root directory, for every operation inside it.
    let rootFD: Int32
    /// An exclusive flock on `.lock`, held for the build's life: the kernel releases it when
    /// the process dies (SIGKILL included), which is how a later build recognises a stale
    /// workspace (see `removeStale`).
    private var lockFD: Int32 = -1
    private var removed = false

    init(tmpdir: String) throws(BuildError) {
        Self.removeStale(in: tmpdir)
        var template = Array("\(tmpdir)/gourd-build.XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw .system("mkdtemp", path: "\(tmpdir)/gourd-build.XXXXXX", errno: errno)
        }
        path = String(cString: made)
        lockFD = Self.lock(path)
        guard mkdir(path + "/root", 0o755) == 0, mkdir(path + "/tmp", 0o1777) == 0 else {
            let e = errno
            _ = gb_remove(AT_FDCWD, path)
            throw .system("mkdir", path: path, errno: e)
        }
        rootFD = open(path + "/root", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else {
            let e = errno
            _ = gb_remove(AT_FDCWD, path)
            throw .system("open", path: path + "/root", errno: e)
        }
    }

    deinit { remove() }

    /// A fresh empty directory in the workspace (e.g. /tmp for %test).
    func scratchDirectory(_ name: String, mode: mode_t = 0o1777) throws(BuildError) -> String {
        let dir = path + "/" + name
        _ = gb_remove(AT_FDCWD, dir)
        guard mkdir(dir, mode) == 0 else { throw .system("mkdir", path: dir, errno: errno) }
        return dir
    }

    /// Deletes the workspace (idempotent). As root of the build's user namespace gourd may
    /// remove whatever %post left, whatever its modes.
    func remove() {
        guard !removed else { return }
        removed = true
        close(rootFD)
        _ = gb_remove(AT_FDCWD, path)
        if lockFD >= 0 { close(lockFD) }
    }

    /// Locks a new workspace: the lock file appears under its final name already locked
    /// (locked as `.lock.new`, then renamed), so no scan can take it in between. -1 when it
    /// cannot be made (the workspace is then merely not recognisable as live, nor as stale).
    static func lock(_ workspace: String) -> Int32 {
        let fd = open(workspace + "/.lock.new", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { return -1 }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0, rename(workspace + "/.lock.new", workspace + "/.lock") == 0 else {
            close(fd)
            return -1
        }
        return fd
    }

    /// Removes the workspaces of this user's builds that died without cleaning up (a gourd
    /// build killed with SIGKILL): those whose `.lock` nobody holds. A workspace without a
    /// lock file is left alone (it may be one being created right now).
    static func removeStale(in tmpdir: String) {
        guard let dir = opendir(tmpdir) else { return }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name.hasPrefix("gourd-build.") { names.append(name) }
        }
        closedir(dir)
        for name in names {
            let workspace = tmpdir + "/" + name
            var st = stat()
            guard lstat(workspace, &st) == 0, st.st_mode & S_IFMT == S_IFDIR, st.st_uid == getuid() else { continue }
            let fd = open(workspace + "/.lock", O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            guard fd >= 0 else { continue }
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { _ = gb_remove(AT_FDCWD, workspace) }
            close(fd)
        }
    }
}

/// Writes into the root being built; every path is resolved inside it (gb_root.c).
struct RootWriter {
    let rootFD: Int32

    typealias Components = ArchivePath.Components

    /// `bytes` as a NUL-terminated C string for the duration of `body`.
    static func cString<R, E: Error>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) throws(E) -> R) throws(E) -> R {
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
        defer { buffer.deallocate() }
        for (index, byte) in bytes.enumerated() { buffer[index] = CChar(bitPattern: byte) }
        buffer[bytes.count] = 0
        return try body(buffer)
    }

    func fail(_ operation: String, _ parts: Components, _ result: Int32) -> BuildError {
        .system(operation, path: ArchivePath.display(parts) + " (in the image)", result: result)
    }

    /// The parent directory of `parts` (made when missing) and the last component.
    func parent(_ parts: Components) throws(BuildError) -> (fd: Int32, name: [UInt8]) {
        guard let name = parts.last else { throw BuildError("cannot replace the image root itself") }
        let dir = Array(parts.dropLast())
        let fd = Self.cString(ArchivePath.join(dir)) { gb_dir_open(rootFD, $0, 1) }
        guard fd >= 0 else { throw fail("create directory", dir, fd) }
        return (fd, name)
    }

    /// Makes (or keeps, setting its mode) the directory `parts`.
    func directory(_ parts: Components, mode: UInt32) throws(BuildError) {
        if parts.isEmpty { return }
        let (dir, name) = try parent(parts)
        defer { close(dir) }
        try Self.cString(name) { (cname) throws(BuildError) in
            let kept = gb_prepare(dir, cname, 1)
            guard kept >= 0 else { throw fail("replace", parts, kept) }
            let rc = kept == 1 ? gb_chmod(dir, cname, mode_t(mode)) : gb_mkdir(dir, cname, mode_t(mode))
            guard rc == 0 else { throw fail(kept == 1 ? "chmod" : "mkdir", parts, rc) }
        }
    }

    /// Replaces whatever is at `parts` with a regular file whose data `body` writes to the
    /// descriptor; then sets `mode` (setuid and setgid bits included).
    func file(_ parts: Components, mode: UInt32, body: (Int32) throws(BuildError) -> Void) throws(BuildError) {
        let (dir, name) = try parent(parts)
        defer { close(dir) }
        let fd = try Self.cString(name) { (cname) throws(BuildError) -> Int32 in
            let rc = gb_prepare(dir, cname, 0)
            guard rc >= 0 else { throw fail("replace", parts, rc) }
            let fd = gb_create(dir, cname, 0o600)
            guard fd >= 0 else { throw fail("create", parts, fd) }
            return fd
        }
        defer { close(fd) }
        try body(fd)
        guard fchmod(fd, mode_t(mode)) == 0 else { throw fail("chmod", parts, -errno) }
    }

    func file(_ parts: Components, mode: UInt32, contents: [UInt8]) throws(BuildError) {
        try file(parts, mode: mode) { (fd) throws(BuildError) in
            let rc = contents.withUnsafeBytes { gb_write_all(fd, $0.baseAddress, $0.count) }
            guard rc == 0 else { throw fail("write", parts, rc) }
        }
    }

    func symlink(_ parts: Components, target: [UInt8]) throws(BuildError) {
        let (dir, name) = try parent(parts)
        defer { close(dir) }
        try Self.cString(name) { (cname) throws(BuildError) in
            let rc = gb_prepare(dir, cname, 0)
            guard rc >= 0 else { throw fail("replace", parts, rc) }
            let made = Self.cString(target) { gb_symlink(dir, cname, $0) }
            guard made == 0 else { throw fail("symlink", parts, made) }
        }
    }

    func hardlink(_ parts: Components, to existing: Components) throws(BuildError) {
        let (dir, name) = try parent(parts)
        defer { close(dir) }
        try Self.cString(name) { (cname) throws(BuildError) in
            let rc = gb_prepare(dir, cname, 0)
            guard rc >= 0 else { throw fail("replace", parts, rc) }
            let made = Self.cString(ArchivePath.join(existing)) { gb_hardlink(rootFD, $0, dir, cname) }
            guard made == 0 else { throw fail("hard link to \(ArchivePath.display(existing))", parts, made) }
        }
    }

    func fifo(_ parts: Components, mode: UInt32) throws(BuildError) {
        let (dir, name) = try parent(parts)
        defer { close(dir) }
        try Self.cString(name) { (cname) throws(BuildError) in
            let rc = gb_prepare(dir, cname, 0)
            guard rc >= 0 else { throw fail("replace", parts, rc) }
            let made = gb_mkfifo(dir, cname, mode_t(mode))
            guard made == 0 else { throw fail("mkfifo", parts, made) }
        }
    }

    /// Removes `parts` (recursively); absent entries, or parents that are not directories,
    /// are not an error: there is nothing to remove.
    func remove(_ parts: Components) throws(BuildError) {
        guard let name = parts.last else { return }
        let dir = Self.cString(ArchivePath.join(Array(parts.dropLast()))) { gb_dir_open(rootFD, $0, 0) }
        if dir == -ENOENT || dir == -ENOTDIR { return }
        guard dir >= 0 else { throw fail("open", Array(parts.dropLast()), dir) }
        defer { close(dir) }
        let rc = Self.cString(name) { gb_remove(dir, $0) }
        guard rc == 0 || rc == -ENOENT else { throw fail("remove", parts, rc) }
    }

    /// Entry names of the directory `parts` (resolved inside the root), nil when it is not one.
    func children(_ parts: Components) -> [[UInt8]]? {
        let fd = Self.cString(ArchivePath.join(parts)) { gb_dir_open_read(rootFD, $0) }
        guard fd >= 0, let dir = fdopendir(fd) else {
            if fd >= 0 { close(fd) }
            return nil
        }
        defer { closedir(dir) }
        var names: [[UInt8]] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix(while: { $0 != 0 })) }
            if name == [0x2e] || name == [0x2e, 0x2e] { continue }
            names.append(name)
        }
        return names.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// A regular file's bytes (at most `limit`), read inside the root; nil when unreadable.
    func read(_ parts: Components, limit: Int) -> [UInt8]? {
        let fd = Self.cString(ArchivePath.join(parts)) { gb_open_read(rootFD, $0) }
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { return nil }
            if n == 0 { return bytes }
            bytes += buffer.prefix(n)
            if bytes.count > limit { return nil }
        }
    }

    /// lstat inside the root (the last component not followed).
    func lstatInside(_ parts: Components) -> Glibc.stat? {
        var st = Glibc.stat()
        let rc = Self.cString(ArchivePath.join(parts)) { gb_lstat(rootFD, $0, &st) }
        return rc == 0 ? st : nil
    }

    /// stat inside the root (symlinks followed, inside it).
    func statInside(_ parts: Components) -> Glibc.stat? {
        var st = Glibc.stat()
        let rc = Self.cString(ArchivePath.join(parts)) { gb_stat(rootFD, $0, &st) }
        return rc == 0 ? st : nil
    }

    func isDirectory(_ parts: Components) -> Bool {
        guard let st = statInside(parts) else { return false }
        return st.st_mode & S_IFMT == S_IFDIR
    }
}
