public struct ImageLocation: Sendable, Equatable, Codable {
    public var path: String
    public var offset: UInt64
    public init(path: String, offset: UInt64 = 0) {
        self.path = path
        self.offset = offset
    }
}
