/// One `--bind SRC[:DST[:ro|rw]]` request, as the user wrote it.
public struct BindSpec: Sendable, Equatable {
    public var source: String
    public var destination: String
    public var readOnly: Bool
    /// Where it came from, for messages and the plan's reasons ("--bind", "GOURD_BIND").
    public var origin: String

    public init(source: String, destination: String, readOnly: Bool, origin: String) {
        self.source = source
        self.destination = destination
        self.readOnly = readOnly
        self.origin = origin
    }

    /// Parses "SRC[:DST[:ro|rw]]". DST defaults to SRC; SRC may be relative to `cwd`.
    public static func parse(_ text: String, origin: String, cwd: String) throws(PlanError) -> BindSpec {
        let fields = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...3).contains(fields.count) else {
            throw .badBind(text, origin: origin, reason: "expected SRC[:DST[:ro|rw]]")
        }
        let source = fields[0]
        guard !source.isEmpty else { throw .badBind(text, origin: origin, reason: "empty source") }
        let destination = fields.count > 1 ? fields[1] : source
        guard !destination.isEmpty else { throw .badBind(text, origin: origin, reason: "empty destination") }
        var readOnly = false
        if fields.count == 3 {
            switch fields[2] {
            case "ro": readOnly = true
            case "rw": readOnly = false
            default: throw .badBind(text, origin: origin, reason: "mode '\(fields[2])' is not ro or rw")
            }
        }
        let absoluteSource = source.hasPrefix("/") ? source : cwd + "/" + source
        if fields.count > 1 && !destination.hasPrefix("/") {
            throw .badBind(text, origin: origin, reason: "destination '\(destination)' is not an absolute path")
        }
        let absoluteDestination = destination.hasPrefix("/") ? destination : absoluteSource
        return BindSpec(source: Paths.normalize(absoluteSource),
                        destination: Paths.normalize(absoluteDestination),
                        readOnly: readOnly, origin: origin)
    }

    /// Parses the comma-separated GOURD_BIND variable.
    public static func parseList(_ text: String, origin: String, cwd: String) throws(PlanError) -> [BindSpec] {
        var result: [BindSpec] = []
        for item in text.split(separator: ",") where !item.allSatisfy({ $0 == " " }) {
            result.append(try parse(item.trimmingSpaces(), origin: origin, cwd: cwd))
        }
        return result
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
