/// A WWW-Authenticate challenge (RFC 7235 section 4.1; the registry token flow of the
/// distribution spec): `Bearer realm="https://auth/token",service="reg",scope="repository:x:pull"`
/// or `Basic realm="..."`.
public struct AuthChallenge: Sendable, Equatable {
    /// "bearer" or "basic", lowercased.
    public var scheme: String
    /// Lowercased parameter names -> values, quotes removed.
    public var parameters: [String: String]

    public init(scheme: String, parameters: [String: String]) {
        self.scheme = scheme
        self.parameters = parameters
    }

    /// Parses one header value; nil when it is not `SCHEME params`.
    public static func parse(_ header: String) -> AuthChallenge? {
        let trimmed = header.drop { $0 == " " }
        guard let space = trimmed.firstIndex(of: " ") ?? (trimmed.isEmpty ? nil : trimmed.endIndex) else { return nil }
        let scheme = trimmed[..<space].lowercased()
        var parameters: [String: String] = [:]
        var rest = trimmed[space...]
        while true {
            rest = rest.drop { $0 == " " || $0 == "," }
            guard let equals = rest.firstIndex(of: "=") else { break }
            let name = rest[..<equals].trimmingSpaces.lowercased()
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var escaped = false
                while let c = rest.first {
                    rest = rest.dropFirst()
                    if escaped {
                        value.append(c)
                        escaped = false
                    } else if c == "\\" {
                        escaped = true
                    } else if c == "\"" {
                        break
                    } else {
                        value.append(c)
                    }
                }
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = String(rest[..<end]).trimmingSpaces
                rest = rest[end...]
            }
            if !name.isEmpty { parameters[name] = value }
        }
        return AuthChallenge(scheme: scheme, parameters: parameters)
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
    }
}
