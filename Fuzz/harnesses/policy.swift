// libFuzzer harness: the site policy file (TOML through toml++ and CGourdTOML, then
// PolicyParser's checks).
// The parsers live in GourdFormats once that target exists, in GourdCore before.
#if canImport(GourdFormats)
import GourdFormats
#endif
#if canImport(GourdCore)
import GourdCore
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        _ = try PolicyParser.parse(text, file: "/etc/gourd/policy.toml")
    } catch {
        _ = "\(error)"
    }
    return 0
}
