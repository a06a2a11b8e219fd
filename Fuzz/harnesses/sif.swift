// libFuzzer harness: the SIF header and descriptor table (SIF.parse), then the primary
// partition, as `gourd exec file.sif` does before serving the squashfs inside.
import GourdCore
import GourdFormats

func fuzzOne(_ bytes: [UInt8]) {
    let read = ELFVersions.fileReader(bytes: bytes)
    _ = SIF.isSIF(Array(bytes.prefix(64)))
    do {
        let file = try SIF.parse(fileSize: UInt64(bytes.count), read: read)
        _ = file.arch
        _ = try file.primaryPartition()
    } catch {
        _ = "\(error)"
    }
}
