public struct SIFPartition: Sendable, Equatable {
    public var fileSystem: SIFFileSystem
    public var type: SIFPartitionType
    public var archCode: String
}
