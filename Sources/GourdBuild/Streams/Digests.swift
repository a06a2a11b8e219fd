import CGourdBuild
import Crypto
import Glibc
import GourdCore
import GourdFormats
import GourdRuntime

enum Digests {
    static func sha256(_ bytes: [UInt8]) -> String { "sha256:" + Hex.encode(SHA256.hash(data: bytes)) }
}
