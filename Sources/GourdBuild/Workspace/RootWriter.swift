import CGourdBuild
import Glibc
import GourdCore
import GourdFormats
import GourdRuntime

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
        return Syscall.entryNames(dir).sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// A regular file's bytes (at most `limit`), read inside the root; nil when unreadable.
    func read(_ parts: Components, limit: Int) -> [UInt8]? {
        let fd = Self.cString(ArchivePath.join(parts)) { gb_open_read(rootFD, $0) }
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return try? Syscall.readAll(fd, limit: limit).get()
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
