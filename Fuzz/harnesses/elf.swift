// libFuzzer harness: ELF symbol versioning (which glibc a driver library needs, which one an
// image's libc.so.6 provides), ELFVersions.
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
    _ = ELFVersions.requiredGlibc(read)
    _ = ELFVersions.definedGlibc(read)
    return 0
}
