import GourdCore
import GourdFormats

/// What every image-based source (archives, layouts, registries) does once it has found its
/// image: check the platform, apply the layers in order, and keep the config as the base.
extension Bootstrapper {
    /// `name` names the image in messages; `source` and `digest` are its provenance.
    func apply(
        _ image: ArchiveImage, from store: any BlobStore, name: String, source: String, digest: String
    )
        throws(BuildError) -> BaseImage
    {
        if let os = image.config.os, os != "linux" { throw BuildError("\(name): the image is for \(os), not linux") }
        if let arch = image.config.architecture, arch != OCIImage.hostArchitecture {
            log.warning("\(name): the image is for \(arch); this host is \(OCIImage.hostArchitecture): %post will fail to run its programs")
        }
        try ArchiveApplier(store: store, image: image, writer: writer, log: log, signals: signals).apply()
        var base = OCIImage.base(from: image.config)
        base.bases = [.init(source: source, digest: digest)]
        return base
    }
}
