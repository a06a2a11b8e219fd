// libFuzzer harness: the site policy file (TOML through toml++ and CGourdTOML, then
// PolicyParser's checks).
import GourdCore
import GourdFormats

func fuzzOne(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    do {
        _ = try PolicyParser.parse(text, file: "/etc/gourd/policy.toml")
    } catch {
        _ = "\(error)"
    }
}
