public struct GeneratedFile: Sendable, Equatable, Codable {
    public var name: String
    public var contents: String
    public init(name: String, contents: String) {
        self.name = name
        self.contents = contents
    }
}
