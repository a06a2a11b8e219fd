/// Where a rule came from: "FILE:LINE (key)" in messages and plans.
public struct PolicyOrigin: Sendable, Equatable, Codable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var key: String

    public init(file: String, line: Int?, key: String) {
        self.file = file
        self.line = line
        self.key = key
    }

    public var description: String { "\(file)\(line.map { ":\($0)" } ?? "") (\(key))" }
}
