public struct EnvironmentVariable: Sendable, Equatable, Codable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
    public var assignment: String { "\(name)=\(value)" }
}
