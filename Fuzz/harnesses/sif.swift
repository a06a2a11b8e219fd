// libFuzzer harness: the SIF header and descriptor table (SIF.parse), then the primary
// partition, as `gourd exec file.sif` does before serving the squashfs inside.
// The parsers live in GourdFormats once that target exists, in GourdCore before.
#if canImport(GourdFormats)
import GourdFormats
#endif
#if canImport(GourdCore)
import GourdCore
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let read = ELFVersions.fileReader(bytes: bytes)
    _ = SIF.isSIF(Array(bytes.prefix(64)))
    do {
        let file = try SIF.parse(fileSize: UInt64(bytes.count), read: read)
        _ = file.arch
        _ = try file.primaryPartition()
    } catch {
        _ = "\(error)"
    }
    return 0
}
