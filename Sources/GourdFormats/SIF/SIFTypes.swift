/// A descriptor's data type (sif.go, Data*).
public struct SIFDataType: RawRepresentable, Sendable, Equatable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let definitionFile = Self(rawValue: 0x4001)
    public static let environment = Self(rawValue: 0x4002)
    public static let labels = Self(rawValue: 0x4003)
    public static let partition = Self(rawValue: 0x4004)
    public static let signature = Self(rawValue: 0x4005)
    public static let genericJSON = Self(rawValue: 0x4006)
    public static let generic = Self(rawValue: 0x4007)
    public static let cryptoMessage = Self(rawValue: 0x4008)

    public var description: String {
        switch self {
        case .definitionFile: return "definition file"
        case .environment: return "environment"
        case .labels: return "JSON labels"
        case .partition: return "partition"
        case .signature: return "signature"
        case .genericJSON: return "generic JSON"
        case .generic: return "generic data"
        case .cryptoMessage: return "cryptographic message"
        default: return "data type 0x" + String(UInt32(bitPattern: rawValue), radix: 16)
        }
    }
}

/// A partition's file system (sif.go, Fs*).
public struct SIFFileSystem: RawRepresentable, Sendable, Equatable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let squashfs = Self(rawValue: 1)
    public static let ext3 = Self(rawValue: 2)
    public static let archive = Self(rawValue: 3)
    public static let raw = Self(rawValue: 4)
    public static let encryptedSquashfs = Self(rawValue: 5)

    public var description: String {
        switch self {
        case .squashfs: return "squashfs"
        case .ext3: return "ext3"
        case .archive: return "immutable object archive"
        case .raw: return "raw data"
        case .encryptedSquashfs: return "encrypted squashfs (encryptfs)"
        default: return "file system type \(rawValue)"
        }
    }
}

/// A partition's role (sif.go, Part*).
public struct SIFPartitionType: RawRepresentable, Sendable, Equatable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let system = Self(rawValue: 1)
    public static let primarySystem = Self(rawValue: 2)
    public static let data = Self(rawValue: 3)
    public static let overlay = Self(rawValue: 4)

    public var description: String {
        switch self {
        case .system: return "system"
        case .primarySystem: return "primary system"
        case .data: return "data"
        case .overlay: return "overlay"
        default: return "partition type \(rawValue)"
        }
    }
}
