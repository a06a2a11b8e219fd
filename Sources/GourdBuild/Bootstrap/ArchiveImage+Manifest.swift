import GourdFormats

extension ArchiveImage {
    /// An image whose manifest is a blob of `store` (an OCI layout, or the pull cache, whose
    /// blobs/sha256/ has the same shape): its config and layers, each checked as `oci` does.
    static func manifest(_ store: BlobStore, digest: String) throws(BuildError) -> ArchiveImage {
        try naming(store) {
            let descriptor = OCIImage.Descriptor(mediaType: nil, digest: digest, size: nil)
            let manifest = try OCIImage.decode(OCIImage.Manifest.self, try blob(store, descriptor), what: "manifest \(digest)")
            let config = try OCIImage.decode(
                OCIImage.Config.self, try blob(store, manifest.config), what: "config \(manifest.config.digest)")
            var members: [String] = []
            for layer in manifest.layers { members.append(try OCIImage.blobPath(layer.digest)) }
            return ArchiveImage(layers: try layers(members, config: config, store: store), config: config, digest: digest)
        }
    }
}
