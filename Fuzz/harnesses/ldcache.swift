// libFuzzer harness: /etc/ld.so.cache (old and new formats), LdSoCache.parse and lookups.
import GourdCore
import GourdFormats

func fuzzOne(_ bytes: [UInt8]) {
    if let cache = LdSoCache.parse(bytes) {
        _ = cache.matching("libc.so.6")
        _ = cache.matching("libcuda.so.1")
    }
}
