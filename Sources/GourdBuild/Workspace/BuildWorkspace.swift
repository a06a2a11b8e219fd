import CGourdBuild
import Glibc
import GourdCore
import GourdRuntime

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
        guard let names = Syscall.listDirectory(tmpdir) else { return }
        for name in names where name.hasPrefix("gourd-build.") {
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
