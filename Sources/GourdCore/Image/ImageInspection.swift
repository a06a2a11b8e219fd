import GourdFormats

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What `gourd inspect` tells about an image: the file, its format, its squashfs, and the
/// metadata inside it (gourd's and Apptainer's). Plain data: the runtime fills in the file
/// facts, `read(from:)` the metadata, `InspectReport` prints it.
public struct ImageInspection: Codable, Sendable, Equatable {
    public struct File: Codable, Sendable, Equatable {
        public var path: String
        public var size: UInt64
        public var sha256: String
        public init(path: String, size: UInt64, sha256: String) {
            self.path = path
            self.size = size
            self.sha256 = sha256
        }
    }

    public struct SquashFS: Codable, Sendable, Equatable {
        /// gzip, lzma, lzo, xz, lz4, zstd (or "unknown (N)").
        public var compression: String
        public var version: String
        public var blockSize: UInt32
        public var inodes: UInt32
        public var bytesUsed: UInt64
        public init(compressionID: UInt32, major: UInt16, minor: UInt16, blockSize: UInt32, inodes: UInt32, bytesUsed: UInt64) {
            compression = Self.compressionName(compressionID)
            version = "\(major).\(minor)"
            self.blockSize = blockSize
            self.inodes = inodes
            self.bytesUsed = bytesUsed
        }

        /// The superblock's compression id (squashfs_fs.h, SQUASHFS_*_COMPRESSION).
        public static func compressionName(_ id: UInt32) -> String {
            let names: [UInt32: String] = [1: "gzip", 2: "lzma", 3: "lzo", 4: "xz", 5: "lz4", 6: "zstd"]
            return names[id] ?? "unknown (\(id))"
        }
    }

    /// The SIF container around the squashfs.
    public struct SIF: Codable, Sendable, Equatable {
        public struct Object: Codable, Sendable, Equatable {
            public var id: UInt32
            public var type: String
            public var name: String
            public var offset: UInt64
            public var size: UInt64
        }

        public var id: String
        public var arch: String
        public var version: String
        /// RFC 3339, UTC.
        public var created: String
        public var modified: String
        /// The primary system partition: where the squashfs served lies.
        public var partitionOffset: UInt64
        public var partitionSize: UInt64
        public var objects: [Object]

        public init(_ file: SIFFile, partition: SIFDescriptor) {
            id = file.id
            arch = file.arch
            version = file.version
            created = RFC3339.utc(file.created)
            modified = RFC3339.utc(file.modified)
            partitionOffset = partition.offset
            partitionSize = partition.size
            objects = file.descriptors.map { d in
                let kind = d.partition.map { "\($0.type) partition, \($0.fileSystem)" } ?? d.type.description
                return Object(id: d.id, type: kind, name: d.name, offset: d.offset, size: d.size)
            }
        }
    }

    /// Apptainer's /.singularity.d/ layout.
    public struct Apptainer: Codable, Sendable, Equatable {
        public var labels: [String: String]?
        public var help: String?
        /// The runscript's text.
        public var runscript: String?
        public var environmentScripts: [String]
        /// The definition file the image was built from.
        public var definition: String?

        public init(
            labels: [String: String]? = nil, help: String? = nil, runscript: String? = nil,
            environmentScripts: [String] = [], definition: String? = nil
        ) {
            self.labels = labels
            self.help = help
            self.runscript = runscript
            self.environmentScripts = environmentScripts
            self.definition = definition
        }

        public var isEmpty: Bool { self == Apptainer() }
    }

    public var file: File
    /// "squashfs" or "sif".
    public var format: String
    public var sif: SIF?
    public var squashfs: SquashFS
    public var gourd: GourdImageMetadata?
    public var apptainer: Apptainer?
    /// What `gourd run IMAGE` executes.
    public var run: [String]
    /// Metadata that could not be read (the rest of the report still stands).
    public var warnings: [String]

    public init(
        file: File, sif: SIF?, squashfs: SquashFS, gourd: GourdImageMetadata? = nil,
        apptainer: Apptainer? = nil, run: [String] = ["/bin/sh"], warnings: [String] = []
    ) {
        self.file = file
        format = sif == nil ? "squashfs" : "sif"
        self.sif = sif
        self.squashfs = squashfs
        self.gourd = gourd
        self.apptainer = apptainer
        self.run = run
        self.warnings = warnings
    }

    /// Text files larger than this are shown cut, with a warning.
    public static let textLimit = 1 << 20

    /// Fills in the image's metadata. Never fails: what cannot be read becomes a warning.
    public mutating func readMetadata(from image: any ImageView) {
        var warnings: [String] = []
        var metadata = ImageMetadata()
        do {
            metadata = try ImageMetadata.read(from: image)
        } catch {
            warnings.append(error.description)
            // The Apptainer part does not depend on /.gourd/image.json.
            metadata = (try? ImageMetadata.read(from: GourdMetadataHidden(image: image))) ?? ImageMetadata()
        }
        gourd = metadata.gourd
        run = metadata.runArgv([])

        func text(_ path: String) -> String? {
            guard let bytes = image.readFile(path, limit: Self.textLimit + 1) else { return nil }
            if bytes.count > Self.textLimit { warnings.append("\(path): larger than \(Self.textLimit) bytes, shown cut") }
            return String(decoding: bytes.prefix(Self.textLimit), as: UTF8.self)
        }
        var apptainer = Apptainer(environmentScripts: metadata.apptainerEnvScripts)
        if let script = metadata.apptainerRunscript { apptainer.runscript = text(script) }
        apptainer.help = text(ApptainerLayout.help)
        apptainer.definition = text(ApptainerLayout.definition)
        if let bytes = image.readFile(ApptainerLayout.labels, limit: Self.textLimit) {
            switch Self.labels(bytes) {
            case .success(let labels): apptainer.labels = labels
            case .failure(let why): warnings.append("\(ApptainerLayout.labels): \(why)")
            }
        }
        self.apptainer = apptainer.isEmpty ? nil : apptainer
        self.warnings = warnings
    }

    /// labels.json: one JSON object. Apptainer writes strings; numbers, booleans and null
    /// are shown as their JSON text.
    static func labels(_ bytes: [UInt8]) -> Result<[String: String], LabelError> {
        do {
            return .success(try JSONDecoder().decode([String: LabelValue].self, from: Data(bytes)).mapValues(\.text))
        } catch {
            return .failure(LabelError(description: "not a JSON object of labels (\(error))"))
        }
    }

    struct LabelError: Error, CustomStringConvertible { var description: String }

    struct LabelValue: Decodable {
        var text: String
        init(from decoder: any Decoder) throws {
            let value = try decoder.singleValueContainer()
            if value.decodeNil() {
                text = "null"
            } else if let string = try? value.decode(String.self) {
                text = string
            } else if let bool = try? value.decode(Bool.self) {
                text = bool ? "true" : "false"
            } else if let int = try? value.decode(Int64.self) {
                text = String(int)
            } else {
                text = String(try value.decode(Double.self))
            }
        }
    }

    /// The image without /.gourd/image.json, to read the rest when that file is malformed.
    struct GourdMetadataHidden: ImageView {
        let image: any ImageView
        func kind(_ path: String) -> FileKind? { hidden(path) ? nil : image.kind(path) }
        func read(_ path: String, offset: UInt64, count: Int) -> [UInt8]? {
            hidden(path) ? nil : image.read(path, offset: offset, count: count)
        }
        func list(_ path: String) -> [String]? { image.list(path) }
        func hidden(_ path: String) -> Bool { Paths.normalize(path) == GourdImageMetadata.path }
    }
}
