import Glibc
import GourdCore
import GourdRegistry

/// `gourd exec|run|shell docker://REF`: the cached squashfs of REF for this host's platform.
/// A reference already in the cache costs a few file reads and no request (its tag is not
/// resolved again: `gourd pull --force` does that). Otherwise `gourd pull --cache-only REF`
/// runs as a child process: the pull enters a build namespace and may start threads, and
/// this process must reach its own unshare(2) single-threaded and without libcurl mapped.
enum RemoteImage {
    struct Failure: Error { let message: String }

    /// `pull`: false only looks in the cache (`gourd plan` runs nothing).
    static func resolve(_ text: String, quiet: Bool, pull: Bool = true) -> Result<String, Failure> {
        let reference: ImageReference
        do { reference = try ImageReference.parse(text) } catch { return .failure(Failure(message: error.description)) }
        let cache = ImageCache.fromEnvironment()
        let key = ImageCache.refKey(reference, platform: PlatformChoice())
        if let path = cached(cache, key: key) { return .success(path) }
        guard pull else {
            return .failure(Failure(message: "\(reference): not in the cache (\(cache.root)): `gourd pull \(text)` first"))
        }
        var argv = ["gourd", "pull", "--cache-only"] + (quiet ? ["-q"] : []) + [text]
        let status = spawn("/proc/self/exe", &argv)
        guard status == 0 else { return .failure(Failure(message: "")) }
        if let path = cached(cache, key: key) { return .success(path) }
        return .failure(Failure(message: "\(reference): the pull finished but the cache has no image for it (\(cache.root))"))
    }

    static func cached(_ cache: ImageCache, key: String) -> String? {
        guard let digest = cache.resolved(key) else { return nil }
        let path = cache.imagePath(digest)
        return ImageCache.exists(path) ? path : nil
    }

    /// Runs argv and waits; its exit status (128+N after signal N).
    static func spawn(_ path: String, _ argv: inout [String]) -> Int32 {
        var pointers = argv.map { strdup($0) } + [nil]
        defer { for pointer in pointers { free(pointer) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, nil, nil, &pointers, environ)
        guard rc == 0 else { return GourdExit.launchFailed }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return GourdExit.launchFailed }
        }
        if status & 0x7f != 0 { return 128 + (status & 0x7f) }
        return (status >> 8) & 0xff
    }
}
