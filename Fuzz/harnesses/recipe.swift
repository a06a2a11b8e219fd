// libFuzzer harness: build recipes (Apptainer-style definition files), RecipeParser.
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
    do {
        _ = try RecipeParser.parse(bytes, file: "fuzz.def")
    } catch {
        _ = "\(error)"
    }
    return 0
}
