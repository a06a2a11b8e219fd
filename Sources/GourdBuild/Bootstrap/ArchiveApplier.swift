import CGourdBuild
import Glibc
import GourdCore
import GourdFormats
import GourdRuntime

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
            guard let region = try store.region(layer.member) else {
                throw BuildError("\(what): \(layer.member) is missing from the archive")
            }
            var peek = region  // a copy: reading it leaves `region` at the start
            var prefix = [UInt8](repeating: 0, count: 6)
            let got = (try? prefix.withUnsafeMutableBytes { try peek.read(into: $0) }) ?? 0
            let compression = Compression.detect(Array(prefix.prefix(got)))
            log.progress(what)
            switch compression {
            case .none:
                try applyStream(HashingSource(region), layer: layer, what: what, applier: &applier)
            case .gzip, .zstd:
                do {
                    try applyStream(
                        HashingSource(try DecodingSource(region, compression: compression, what: what)),
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

    func applyStream<S: ByteSource>(
        _ source: HashingSource<S>, layer: ArchiveImage.Layer, what: String,
        applier: inout LayerApplier
    ) throws(BuildError) {
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
