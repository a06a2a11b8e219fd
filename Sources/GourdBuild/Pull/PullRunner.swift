import Glibc
import GourdCore
import GourdRegistry
import GourdRuntime

/// `gourd pull`: resolve and download into the cache (GourdRegistry, in a child process),
/// convert the image manifest into squashfs once per manifest digest and converter version
/// (a `gourd build` of `Bootstrap: docker` pinned to that digest, packed reproducibly: every
/// timestamp is 0, so the same manifest gives the same bytes), then copy it to OUTPUT.
///
/// The conversion enters the build's user namespace in this process: callers that go on to
/// launch (`gourd exec docker://`) run `gourd pull --cache-only` as a child instead.
public enum PullRunner {
    /// Returns the cached image's path.
    @discardableResult
    public static func run(_ request: PullRequest) throws(BuildError) -> String {
        let reference: ImageReference
        do { reference = try ImageReference.parse(request.reference) } catch { throw BuildError(error.description) }
        var output: String?
        if !request.cacheOnly {
            output = try BuildRunner.checkOutput(request.output ?? reference.defaultFileName, force: request.force)
        }
        let cache = ImageCache.fromEnvironment()
        let digest: String
        do {
            try cache.prepare()
            digest = try ChildFetch.fetch(reference, puller: Puller(cache: cache, options: request.options))
        } catch {
            throw BuildError(error.description, exitCode: error.exitCode)
        }
        let image = try convert(reference.pinned(digest), cache: cache, request: request)
        if let output { try copy(image, to: output, what: reference.description) }
        return image
    }

    /// The cached squashfs of the image manifest `pinned` names, converted under the image's
    /// lock: of concurrent pulls one converts, the others wait and find it done.
    static func convert(_ pinned: ImageReference, cache: ImageCache, request: PullRequest) throws(BuildError) -> String {
        let digest = pinned.digest ?? ""
        let path = cache.imagePath(digest)
        if ImageCache.exists(path) { return path }
        let lock: CacheLock?
        do { lock = try CacheLock.acquire(cache.lockPath("image-\(ImageCache.hex(digest))")) } catch { throw BuildError(error.description) }
        defer { lock?.release() }
        if ImageCache.exists(path) { return path }
        if lock?.held == true { removeStale(path) }
        var build = BuildRequest(
            output: path, recipe: "\(pinned) (pulled)", compression: "zstd", force: true,
            quiet: request.options.quiet || isatty(2) != 1, gourdVersion: request.gourdVersion)
        build.recipeText = "Bootstrap: docker\nFrom: \(pinned)\n"
        build.buildTime = 0
        build.registry = request.options
        build.registry.refresh = false
        do throws(BuildError) {
            try BuildRunner.run(build)
        } catch {
            throw BuildError("\(pinned): \(error.message)", exitCode: error.exitCode)
        }
        return path
    }

    /// Leftovers of a conversion killed with SIGKILL (BuildRunner's OUTPUT.gourd-tmp.PID),
    /// removed by whoever holds the image's lock next.
    static func removeStale(_ path: String) {
        let dir = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
        let name = String(path[path.index(after: path.lastIndex(of: "/") ?? path.startIndex)...])
        for entry in Syscall.listDirectory(dir) ?? [] where entry.hasPrefix(name + ".gourd-tmp.") {
            unlink("\(dir)/\(entry)")
        }
    }

    /// Copies through OUTPUT.gourd-tmp.PID and a rename: OUTPUT is whole or as it was.
    static func copy(_ source: String, to output: String, what: String) throws(BuildError) {
        let temporary = "\(output).gourd-tmp.\(getpid())"
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw .system("open", path: source, errno: errno) }
        defer { close(input) }
        let out = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard out >= 0 else { throw .system("open", path: temporary, errno: errno) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var failure: BuildError?
        while failure == nil {
            let n = read(input, &buffer, buffer.count)
            if n < 0, errno == EINTR { continue }
            if n < 0 {
                failure = .system("read", path: source, errno: errno)
                break
            }
            if n == 0 { break }
            var done = 0
            while done < n {
                let w = buffer.withUnsafeBytes { write(out, $0.baseAddress! + done, n - done) }
                if w < 0, errno == EINTR { continue }
                if w < 0 {
                    failure = .system("write", path: output, errno: errno)
                    break
                }
                done += w
            }
        }
        if failure == nil, fsync(out) != 0 { failure = .system("fsync", path: output, errno: errno) }
        close(out)
        if failure == nil, rename(temporary, output) != 0 { failure = .system("rename", path: "\(temporary) to \(output)", errno: errno) }
        if let failure {
            unlink(temporary)
            throw BuildError("\(what): \(failure.message)")
        }
    }
}
