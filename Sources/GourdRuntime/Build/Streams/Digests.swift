import CGourdBuild
import Crypto
import Glibc
import GourdCore

enum Digests {
    static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        bytes.map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
    }

    static func sha256(_ bytes: [UInt8]) -> String { "sha256:" + hex(SHA256.hash(data: bytes)) }
}
