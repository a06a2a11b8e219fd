/// Expands $NAME and ${NAME} in policy paths. USER, HOME, UID and GID come from the caller's
/// account (NSS), not from the environment; other names from the caller's environment.
/// "$$" is a literal "$".
public struct PolicyVariables: Sendable {
    public let identity: Identity
    public let environment: [EnvironmentVariable]

    public init(identity: Identity, environment: [EnvironmentVariable]) {
        self.identity = identity
        self.environment = environment
    }

    public func value(_ name: String) -> String? {
        switch name {
        case "USER": return identity.userName
        case "HOME": return identity.home
        case "UID": return String(identity.uid)
        case "GID": return String(identity.gid)
        default:
            let value = environment.last(where: { $0.name == name })?.value
            return value?.isEmpty == true ? nil : value
        }
    }

    /// The expanded text, or `.failure(name)` naming the first unset variable.
    public func expand(_ text: String) -> Result<String, UnsetVariable> {
        var result = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            result += rest[..<dollar]
            rest = rest[rest.index(after: dollar)...]
            if rest.first == "$" {
                result += "$"
                rest = rest.dropFirst()
                continue
            }
            let name: Substring
            if rest.first == "{", let close = rest.firstIndex(of: "}") {
                name = rest[rest.index(after: rest.startIndex)..<close]
                rest = rest[rest.index(after: close)...]
            } else {
                name = rest.prefix(while: { $0 == "_" || $0.isASCIIDigit || ($0.isASCII && $0.isLetter) })
                rest = rest.dropFirst(name.count)
            }
            guard !name.isEmpty else {
                result += "$"
                continue
            }
            guard let value = value(String(name)) else { return .failure(UnsetVariable(name: String(name))) }
            result += value
        }
        return .success(result + rest)
    }

    public struct UnsetVariable: Error, Equatable {
        public var name: String
        public init(name: String) { self.name = name }
    }
}
