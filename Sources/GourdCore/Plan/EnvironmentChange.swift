/// A variable that differs from the caller's environment: set (value) or removed (nil).
public struct EnvironmentChange: Sendable, Equatable, Codable {
    public var name: String
    public var value: String?
    public var reason: String
    public init(name: String, value: String?, reason: String) {
        self.name = name
        self.value = value
        self.reason = reason
    }
}
