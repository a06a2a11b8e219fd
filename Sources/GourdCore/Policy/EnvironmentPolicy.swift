public struct EnvironmentPolicy: Sendable, Equatable, Codable {
    /// Set in every container after the image's environment; the user's --env still wins
    /// unless the name is also forbidden.
    public var set: [PolicyVariable]
    /// Names the host does not pass in and users may not set (--env, GOURDENV_).
    public var forbid: [PathRule]

    public init(set: [PolicyVariable] = [], forbid: [PathRule] = []) {
        self.set = set
        self.forbid = forbid
    }

    public func forbidding(_ name: String) -> PathRule? { forbid.first { $0.path == name } }
}

public struct PolicyVariable: Sendable, Equatable, Codable {
    public var name: String
    public var value: String
    public var origin: PolicyOrigin
    public init(name: String, value: String, origin: PolicyOrigin) {
        self.name = name
        self.value = value
        self.origin = origin
    }
}
