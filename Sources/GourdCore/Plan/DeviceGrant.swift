/// A device node inside the container and the reason it is there.
public struct DeviceGrant: Sendable, Equatable, Codable {
    public var path: String
    public var reason: String
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
}
