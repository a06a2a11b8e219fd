import CGourdBuild
import Glibc
import GourdCore
import GourdFormats
import GourdRuntime

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
            let images = try OCIImage.decode(
                [OCIImage.DockerImage].self, try store.contents("manifest.json"), what: "\(store.name): manifest.json")
            let image = try OCIImage.select(images, ref: ref, what: store.name)
            let configBytes = try store.contents(image.config)
            let config = try OCIImage.decode(OCIImage.Config.self, configBytes, what: "\(store.name): \(image.config)")
            return ArchiveImage(
                layers: try layers(image.layers, config: config, store: store), config: config,
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
            let config = try OCIImage.decode(
                OCIImage.Config.self, try blob(store, manifest.config), what: "config \(manifest.config.digest)")
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
        let diffIDs = config.rootfs?.diffIDs ?? []
        guard diffIDs.isEmpty || diffIDs.count == members.count else {
            throw ArchiveError("the config lists \(diffIDs.count) layer digests for \(members.count) layers")
        }
        return members.enumerated().map { index, member in
            Layer(member: member, diffID: diffIDs.isEmpty ? nil : diffIDs[index])
        }
    }
}
