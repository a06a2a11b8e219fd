public struct SIFDescriptor: Sendable, Equatable {
    /// Position in the descriptor table.
    public var index: Int
    public var id: UInt32
    public var type: SIFDataType
    public var offset: UInt64
    public var size: UInt64
    public var name: String
    /// Set for partitions (data type 0x4004).
    public var partition: SIFPartition?
}
