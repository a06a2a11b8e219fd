// libFuzzer harness: build recipes (Apptainer-style definition files), RecipeParser.
import GourdCore
import GourdFormats

func fuzzOne(_ bytes: [UInt8]) {
    do {
        _ = try RecipeParser.parse(bytes, file: "fuzz.def")
    } catch {
        _ = "\(error)"
    }
}
