import Glibc
import GourdCore
import GourdFormats
import GourdRuntime

/// Resolves a reference to one image manifest (through indexes, choosing the platform) and
/// brings the manifest, its config and its layers into the cache, each verified against its
/// digest. Returns the image manifest's digest; the blobs are then read from the cache.
public struct Puller {
    public let cache: ImageCache
    public let options: PullOptions

    public init(cache: ImageCache, options: PullOptions) {
        self.cache = cache
        self.options = options
    }

    /// Indexes may nest (an index naming an index); deeper than this is a loop or an attack.
    static let nestingLimit = 4
    /// A config is JSON read whole.
    static let configLimit: Int64 = 16 << 20

    public func fetch(_ reference: ImageReference) throws(RegistryError) -> String {
        try cache.prepare()
        let key = ImageCache.refKey(reference, platform: options.platform)
        if !options.refresh, let known = cache.resolved(key), let manifest = try? cachedManifest(known), hasAllBlobs(manifest) {
            return known
        }
        let progress = PullProgress(quiet: options.quiet)
        let client = RegistryClient(reference: reference, options: options)
        var (bytes, contentType, digest) = try manifestBytes(reference.digest, client: client, ref: reference.reference)
        var seen: Set<String> = [digest]
        var manifest: OCIImage.Manifest?
        for _ in 0...Self.nestingLimit {
            switch try RegistryManifest.decode(bytes, contentType: contentType, what: "\(reference) (\(digest))") {
            case .image(let image):
                manifest = image
            case .index(let index):
                let chosen = try options.platform.select(index, what: reference.description)
                guard !seen.contains(chosen.digest) else {
                    throw RegistryError(reference.description, "the image index \(digest) names itself (an index loop): refused")
                }
                seen.insert(chosen.digest)
                (bytes, contentType, digest) = try manifestBytes(chosen.digest, client: client, ref: chosen.digest)
                contentType = chosen.mediaType ?? contentType
            }
            if manifest != nil { break }
        }
        guard let manifest else {
            throw RegistryError(reference.description, "image indexes nest deeper than \(Self.nestingLimit): refused")
        }
        try validate(manifest, reference: reference)
        let blobs = [manifest.config] + manifest.layers
        for (index, blob) in blobs.enumerated() {
            let label = index == 0 ? "config" : "layer \(index)/\(manifest.layers.count) \(blob.digest.prefix(19))"
            try download(blob, client: client, progress: progress, label: label, reference: reference)
        }
        progress.done()
        try cache.writeAtomically(Array("\(digest)\n\(reference)\n".utf8), to: cache.refPath(key), name: "ref-\(key)")
        return digest
    }

    func validate(_ manifest: OCIImage.Manifest, reference: ImageReference) throws(RegistryError) {
        for blob in [manifest.config] + manifest.layers {
            guard ImageReference.isDigest(blob.digest) else {
                throw RegistryError(reference.description, "the manifest names '\(blob.digest)', not a sha256 digest")
            }
            if let size = blob.size, size < 0 {
                throw RegistryError(reference.description, "the manifest gives \(blob.digest) a negative size")
            }
        }
        if let size = manifest.config.size, size > Self.configLimit {
            throw RegistryError(reference.description, "the image config is larger than 16 MiB: refused")
        }
    }

    /// A manifest or index by digest from the cache, else from the registry (then stored).
    func manifestBytes(_ digest: String?, client: RegistryClient, ref: String) throws(RegistryError) -> ([UInt8], String?, String) {
        if let digest, let bytes = try? Syscall.readFile(cache.blobPath(digest), limit: RegistryManifest.sizeLimit).get() {
            return (bytes, nil, digest)
        }
        let fetched = try client.manifest(ref)
        let path = cache.blobPath(fetched.digest)
        if !ImageCache.exists(path) {
            try cache.writeAtomically(fetched.bytes, to: path, name: "blob-\(ImageCache.hex(fetched.digest))")
        }
        return fetched
    }

    func cachedManifest(_ digest: String) throws -> OCIImage.Manifest? {
        let bytes = try Syscall.readFile(cache.blobPath(digest), limit: RegistryManifest.sizeLimit).get()
        if case .image(let manifest) = try RegistryManifest.decode(bytes, contentType: nil, what: digest) { return manifest }
        return nil
    }

    func hasAllBlobs(_ manifest: OCIImage.Manifest?) -> Bool {
        guard let manifest else { return false }
        return ([manifest.config] + manifest.layers).allSatisfy { ImageCache.exists(cache.blobPath($0.digest)) }
    }

    /// One blob into the cache, once: under the blob's lock, whoever comes second finds it
    /// there. Verified before the rename; on any failure nothing enters the cache.
    func download(
        _ blob: OCIImage.Descriptor, client: RegistryClient, progress: PullProgress, label: String,
        reference: ImageReference
    ) throws(RegistryError) {
        let path = cache.blobPath(blob.digest)
        if ImageCache.exists(path) { return }
        let name = "blob-\(ImageCache.hex(blob.digest))"
        let lock = try CacheLock.acquire(cache.lockPath(name))
        defer { lock?.release() }
        if ImageCache.exists(path) { return }
        // A download a killed pull left is continued (Range) rather than started over.
        let adopted = lock?.held == true ? cache.adoptStale(name) : nil
        let (temp, fd): (String, Int32)
        if let adopted { (temp, fd) = adopted } else { (temp, fd) = try cache.temporary(name) }
        var kept = false
        defer {
            close(fd)
            if !kept { unlink(temp) }
        }
        let what = "\(reference): blob \(blob.digest)"
        let sink = BlobSink(fd: fd, digest: blob.digest, expectedSize: blob.size, progress: progress, label: label)
        if adopted != nil { sink.continueExisting() }
        progress.begin()
        do {
            _ = try client.get("\(client.base)/blobs/\(blob.digest)", accept: [], sink: sink)
        } catch {
            progress.done()
            throw RegistryError(what, error.reference == client.what ? error.cause : error.description, exitCode: error.exitCode)
        }
        if let size = blob.size, sink.count != size {
            throw RegistryError(what, "truncated: the registry sent \(sink.count) of \(size) bytes")
        }
        let actual = sink.finish()
        guard actual == blob.digest else {
            throw RegistryError(what, "the downloaded bytes hash to \(actual): the registry sent a corrupt blob; nothing was cached")
        }
        guard fsync(fd) == 0 || errno == EINVAL else {
            throw RegistryError(what, "cannot write to the cache: \(String(cString: strerror(errno)))")
        }
        guard rename(temp, path) == 0 else {
            throw RegistryError(what, "cannot rename into the cache: \(String(cString: strerror(errno)))")
        }
        kept = true
    }
}
