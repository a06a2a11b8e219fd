import CGourdBuild
import Crypto
import Glibc
import GourdCore
import GourdRuntime

/// How a layer or archive is compressed, from its first bytes.
enum Compression: Equatable {
    case none, gzip, zstd
    case unsupported(String)

    static func detect(_ prefix: [UInt8]) -> Compression {
        if prefix.starts(with: [0x1f, 0x8b]) { return .gzip }
        if prefix.starts(with: [0x28, 0xb5, 0x2f, 0xfd]) { return .zstd }
        if prefix.starts(with: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) { return .unsupported("xz") }
        if prefix.starts(with: Array("BZh".utf8)) { return .unsupported("bzip2") }
        return .none
    }
}
