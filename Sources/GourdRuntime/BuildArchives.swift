import CGourdBuild
import Glibc
import GourdCore

/// Where an archive's members are: a region of an uncompressed tar file, or a file of an
/// OCI layout directory. Opened files stay open for the store's life.
protocol BlobStore {
    /// A member's bytes, or nil when there is no such (regular) member.
    func region(_ path: String) throws(BuildError) -> FileRegionSource?
    var name: String { get }
}

extension BlobStore {
    /// A whole (small) member: a JSON document.
    func contents(_ path: String, limit: UInt64 = 16 << 20) throws(BuildError) -> [UInt8] {
        guard var source = try region(path) else { throw BuildError("\(name): no \(path) in it") }
        guard source.left <= limit else { throw BuildError("\(name): \(path) is larger than \(limit) bytes") }
        var bytes = [UInt8](repeating: 0, count: Int(source.left))
        var done = 0
        while done < bytes.count {
            let n: Int
            do {
                n = try bytes.withUnsafeMutableBytes { raw in try source.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[done...])) }
            } catch {
                throw BuildError("\(name): \(path): \(error)")
            }
            done += n
        }
        return bytes
    }
}

/// The members of an uncompressed tar file (a `docker save` or OCI archive), by normalized
/// path, found by reading the headers once; member data is then read in place. Symlinks
/// between members (older `docker save` links repeated layers) are followed inside the archive.
final class TarIndex: BlobStore {
    let name: String
    let fd: Int32
    var files: [String: (offset: UInt64, size: UInt64)] = [:]
    var links: [String: String] = [:]

    init(path: String, name: String) throws(BuildError) {
        self.name = name
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system("open", path: name, errno: errno) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .system("stat", path: name, errno: errno) }
        var reader = TarReader(FileRegionSource(fd: fd, offset: 0, count: UInt64(st.st_size), what: name))
        do {
            while let entry = try reader.next() {
                let key = Self.normalize(entry.pathString)
                switch entry.kind {
                case .file: files[key] = (reader.dataOffset, entry.size)
                case .symlink(let target):
                    let dir = key.split(separator: "/").dropLast().joined(separator: "/")
                    let raw = String(decoding: target, as: UTF8.self)
                    links[key] = raw.hasPrefix("/") ? Self.normalize(raw) : Self.normalize(dir + "/" + raw)
                case .hardlink(let target): links[key] = Self.normalize(String(decoding: target, as: UTF8.self))
                default: break
                }
            }
        } catch {
            throw BuildError("\(name): \(error.message)")
        }
    }

    deinit { close(fd) }

    /// "a/./b/../c" -> "a/c" (never above the archive's top).
    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(part)
        }
        return parts.joined(separator: "/")
    }

    func region(_ path: String) throws(BuildError) -> FileRegionSource? {
        var key = Self.normalize(path)
        for _ in 0..<16 {
            if let file = files[key] { return FileRegionSource(fd: fd, offset: file.offset, count: file.size, what: "\(name): \(key)") }
            guard let next = links[key] else { return nil }
            key = next
        }
        throw BuildError("\(name): \(path): too many links")
    }
}

/// An OCI image layout directory (`Bootstrap: oci`).
final class DirectoryStore: BlobStore {
    let name: String
    let path: String
    var open: [Int32] = []

    init(path: String, name: String) {
        self.path = path
        self.name = name
    }

    deinit { open.forEach { close($0) } }

    func region(_ member: String) throws(BuildError) -> FileRegionSource? {
        let file = path + "/" + TarIndex.normalize(member)
        let fd = Glibc.open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw .system("open", path: file, errno: errno)
        }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            return nil
        }
        open.append(fd)
        return FileRegionSource(fd: fd, offset: 0, count: UInt64(st.st_size), what: "\(name): \(member)")
    }
}

/// An image from an archive, ready to apply: its layers in order and its config.
struct ArchiveImage {
    struct Layer {
        var member: String
        /// The sha256 of the uncompressed layer the config lists (rootfs.diff_ids), checked.
        var diffID: String?
    }

    var layers: [Layer]
    var config: OCIImage.Config
    /// The image's identity: the config digest (docker image id) or the manifest digest (OCI).
    var digest: String

    /// Runs `body`, naming the archive in whatever it throws.
    static func naming(_ store: BlobStore, _ body: () throws -> ArchiveImage) throws(BuildError) -> ArchiveImage {
        do {
            return try body()
        } catch let error as ArchiveError {
            throw BuildError("\(store.name): \(error.message)")
        } catch let error as BuildError {
            throw error
        } catch {
            throw BuildError("\(store.name): \(error)")
        }
    }

    /// `docker save` archives: manifest.json names each image's config and layer tarballs.
    static func docker(_ store: BlobStore, ref: String?) throws(BuildError) -> ArchiveImage {
        try naming(store) {
            let images = try OCIImage.decode([OCIImage.DockerImage].self, try store.contents("manifest.json"), what: "\(store.name): manifest.json")
            let image = try OCIImage.select(images, ref: ref, what: store.name)
            let configBytes = try store.contents(image.Config)
            let config = try OCIImage.decode(OCIImage.Config.self, configBytes, what: "\(store.name): \(image.Config)")
            return ArchiveImage(layers: try layers(image.Layers, config: config, store: store), config: config,
                                digest: Digests.sha256(configBytes))
        }
    }

    /// OCI image layouts: index.json, then (nested indexes,) a manifest, its config and layers.
    /// Every blob read is checked against the digest that named it.
    static func oci(_ store: BlobStore, ref: String?) throws(BuildError) -> ArchiveImage {
        try naming(store) {
            guard try store.region("oci-layout") != nil else {
                throw ArchiveError("not an OCI image layout (no oci-layout file)")
            }
            var index = try OCIImage.decode(OCIImage.Index.self, try store.contents("index.json"), what: "index.json")
            var descriptor = try OCIImage.select(index, ref: ref, what: "index.json")
            for _ in 0..<4 where OCIImage.isIndex(descriptor) {
                index = try OCIImage.decode(OCIImage.Index.self, try blob(store, descriptor), what: "image index \(descriptor.digest)")
                descriptor = try OCIImage.select(index, ref: nil, what: "image index \(descriptor.digest)")
            }
            let manifest = try OCIImage.decode(OCIImage.Manifest.self, try blob(store, descriptor), what: "manifest \(descriptor.digest)")
            let config = try OCIImage.decode(OCIImage.Config.self, try blob(store, manifest.config), what: "config \(manifest.config.digest)")
            var members: [String] = []
            for layer in manifest.layers { members.append(try OCIImage.blobPath(layer.digest)) }
            return ArchiveImage(layers: try layers(members, config: config, store: store), config: config, digest: descriptor.digest)
        }
    }

    static func blob(_ store: BlobStore, _ descriptor: OCIImage.Descriptor) throws -> [UInt8] {
        let bytes = try store.contents(try OCIImage.blobPath(descriptor.digest))
        let actual = descriptor.digest.hasPrefix("sha256:") ? Digests.sha256(bytes) : descriptor.digest
        guard actual == descriptor.digest else {
            throw ArchiveError("blob \(descriptor.digest) does not match its digest (it hashes to \(actual))")
        }
        return bytes
    }

    static func layers(_ members: [String], config: OCIImage.Config, store: BlobStore) throws -> [Layer] {
        let diffIDs = config.rootfs?.diff_ids ?? []
        guard diffIDs.isEmpty || diffIDs.count == members.count else {
            throw ArchiveError("the config lists \(diffIDs.count) layer digests for \(members.count) layers")
        }
        return members.enumerated().map { index, member in
            Layer(member: member, diffID: diffIDs.isEmpty ? nil : diffIDs[index])
        }
    }
}

/// Applies an archive image's layers to the root, each decompressed (gzip, zstd or none,
/// told by its first bytes), hashed and checked against the config's diff_id.
struct ArchiveApplier {
    let store: BlobStore
    let image: ArchiveImage
    let writer: RootWriter
    let log: BuildLog
    let signals: BuildSignals

    func apply() throws(BuildError) {
        var applier = LayerApplier(writer: writer, log: log, signals: signals)
        for (index, layer) in image.layers.enumerated() {
            let what = "\(store.name): layer \(index + 1)/\(image.layers.count)"
            guard let region = try store.region(layer.member) else { throw BuildError("\(what): \(layer.member) is missing from the archive") }
            var peek = region   // a copy: reading it leaves `region` at the start
            var prefix = [UInt8](repeating: 0, count: 6)
            let got = (try? prefix.withUnsafeMutableBytes { try peek.read(into: $0) }) ?? 0
            let compression = Compression.detect(Array(prefix.prefix(got)))
            log.progress(what)
            switch compression {
            case .none:
                try applyStream(HashingSource(region), layer: layer, what: what, applier: &applier)
            case .gzip, .zstd:
                do {
                    try applyStream(HashingSource(try DecodingSource(region, compression: compression, what: what)),
                                    layer: layer, what: what, applier: &applier)
                } catch let error as BuildError {
                    throw error
                } catch {
                    throw BuildError("\(what): \(error)")
                }
            case .unsupported(let kind):
                throw BuildError("\(what): \(kind)-compressed layers are not supported (gzip, zstd or none)")
            }
        }
        applier.reportSkipped(store.name)
    }

    func applyStream<S: ByteSource>(_ source: HashingSource<S>, layer: ArchiveImage.Layer, what: String,
                                    applier: inout LayerApplier) throws(BuildError) {
        var reader = TarReader(source)
        try applier.apply(&reader, what: what)
        // Hash the rest (end-of-archive blocks, padding) so the digest covers the whole layer.
        do { _ = try reader.drain() } catch { throw BuildError("\(what): \(error.message)") }
        if let expected = layer.diffID {
            let actual = reader.byteSource.digest
            guard expected == actual || !expected.hasPrefix("sha256:") else {
                throw BuildError("\(what): the layer does not match the digest its config lists (\(expected); it hashes to \(actual))")
            }
        }
    }
}

