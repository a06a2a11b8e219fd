/// Why a SIF file cannot be served. Each message is the cause; callers name the file.
public enum SIFError: Error, Equatable, CustomStringConvertible {
    /// The magic is missing (callers check `SIF.isSIF` first).
    case notSIF
    case unsupportedVersion(String)
    case truncated(String)
    case corrupt(String)
    /// `partitions`: the partitions it has instead ("system squashfs", "overlay ext3").
    case noPrimaryPartition(partitions: [String])
    case unsupportedFileSystem(SIFFileSystem)

    public var description: String {
        switch self {
        case .notSIF:
            return "not a SIF file (no SIF_MAGIC)"
        case let .unsupportedVersion(version):
            return "unsupported SIF version '\(version)' (gourd reads version 01)"
        case let .truncated(why):
            return "truncated SIF file: \(why)"
        case let .corrupt(why):
            return "corrupt SIF file: \(why)"
        case let .noPrimaryPartition(partitions):
            return "SIF file without a primary system partition ("
                + (partitions.isEmpty ? "it has no partition" : "it has: " + partitions.joined(by: ", ")) + ")"
        case let .unsupportedFileSystem(fileSystem):
            switch fileSystem {
            case .encryptedSquashfs:
                return "the SIF primary partition is encrypted squashfs (encryptfs): gourd cannot decrypt it"
            default:
                return "the SIF primary partition is \(fileSystem), not squashfs: gourd serves only squashfs"
            }
        }
    }
}
