/// Why a policy file cannot be used. gourd refuses to launch (exit 125) rather than guess.
public enum PolicyError: Error, Equatable, CustomStringConvertible {
    /// The file exists but cannot be read.
    case unreadable(file: String, reason: String)
    /// Not valid TOML.
    case syntax(file: String, line: Int, column: Int, message: String)
    /// Valid TOML, but a key is unknown, has the wrong type or an invalid value.
    case invalid(PolicyOrigin, message: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "policy \(file): cannot read: \(reason)"
        case let .syntax(file, line, column, message):
            return "policy \(file):\(line):\(column): \(message)"
        case let .invalid(origin, message):
            return "policy \(origin.file)\(origin.line.map { ":\($0)" } ?? ""): \(origin.key): \(message)"
        }
    }
}
