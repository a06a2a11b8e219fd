// libFuzzer harness: /etc/ld.so.cache (old and new formats), LdSoCache.parse and lookups.
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
    if let cache = LdSoCache.parse(bytes) {
        _ = cache.matching("libc.so.6")
        _ = cache.matching("libcuda.so.1")
    }
    return 0
}
