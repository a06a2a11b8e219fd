// libFuzzer harness: the JSON documents of OCI layouts and `docker save` archives (index,
// manifest, config, manifest.json), then what ArchiveImage does with them: select an image
// (with and without a reference), blob paths from digests, the base image from a config.
import GourdCore
import GourdFormats

func fuzzOne(_ bytes: [UInt8]) {
    let ref: String? = bytes.first.map { $0 & 1 == 0 ? nil : "latest" } ?? nil
    if let index = try? OCIImage.decode(OCIImage.Index.self, bytes, what: "index.json") {
        if let chosen = try? OCIImage.select(index, ref: ref, what: "index.json") {
            _ = OCIImage.isIndex(chosen)
            _ = try? OCIImage.blobPath(chosen.digest)
        }
        for descriptor in index.manifests { _ = try? OCIImage.blobPath(descriptor.digest) }
    }
    if let manifest = try? OCIImage.decode(OCIImage.Manifest.self, bytes, what: "manifest") {
        _ = try? OCIImage.blobPath(manifest.config.digest)
        for layer in manifest.layers { _ = try? OCIImage.blobPath(layer.digest) }
    }
    if let config = try? OCIImage.decode(OCIImage.Config.self, bytes, what: "config") {
        _ = OCIImage.base(from: config)
    }
    if let images = try? OCIImage.decode([OCIImage.DockerImage].self, bytes, what: "manifest.json") {
        _ = try? OCIImage.select(images, ref: ref, what: "archive")
    }
    _ = OCIImage.splitReference(String(decoding: bytes.prefix(256), as: UTF8.self), exists: { $0.count % 3 == 0 })
}
