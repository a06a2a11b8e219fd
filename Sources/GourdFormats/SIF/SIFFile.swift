/// A parsed SIF file: its header and used descriptors.
public struct SIFFile: Sendable, Equatable {
    public var id: String
    /// The header's architecture code ("02"); see `arch` for its name.
    public var archCode: String
    public var version: String
    /// Unix seconds.
    public var created: Int64
    public var modified: Int64
    public var fileSize: UInt64
    public var descriptors: [SIFDescriptor]

    /// "amd64", or "unknown (code NN)".
    public var arch: String { SIF.archNames[archCode] ?? "unknown (code \(archCode))" }

    /// The primary system partition, when it is a squashfs gourd can serve; otherwise an error
    /// that says what the file holds instead.
    public func primaryPartition() throws(SIFError) -> SIFDescriptor {
        let primaries = descriptors.filter { $0.partition?.type == .primarySystem }
        guard let primary = primaries.first else {
            let partitions = descriptors.compactMap { d in d.partition.map { "\($0.type) \($0.fileSystem)" } }
            throw .noPrimaryPartition(partitions: partitions)
        }
        guard primaries.count == 1 else { throw .corrupt("it has \(primaries.count) primary system partitions") }
        let fileSystem = primary.partition!.fileSystem
        guard fileSystem == .squashfs else { throw .unsupportedFileSystem(fileSystem) }
        guard primary.size > 0 else { throw .corrupt("its primary partition is empty") }
        return primary
    }
}
