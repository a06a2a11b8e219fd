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
            // Apptainer's options, comma-separated: ro, rw, and image-src=/id= for images.
            for option in fields[2].split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
                switch option {
                case "ro": readOnly = true
                case "rw": readOnly = false
                case _ where option.hasPrefix("image-src=") || option.hasPrefix("id="):
                    throw .badBind(
                        text, origin: origin,
                        reason:
                            "option '\(option)' binds from inside an image file, which gourd does not support: extract the files, or bind a directory"
                    )
                default: throw .badBind(text, origin: origin, reason: "mode '\(option)' is not ro or rw")
                }
            }
        }
        let absoluteSource = source.hasPrefix("/") ? source : cwd + "/" + source
        if fields.count > 1 && !destination.hasPrefix("/") {
            throw .badBind(text, origin: origin, reason: "destination '\(destination)' is not an absolute path")
        }
        let absoluteDestination = destination.hasPrefix("/") ? destination : absoluteSource
        return BindSpec(
            source: Paths.normalize(absoluteSource),
            destination: Paths.normalize(absoluteDestination),
            readOnly: readOnly, origin: origin)
    }

    /// Parses a comma-separated list as Apptainer does (`-B a,b:/b:ro`, APPTAINER_BIND,
    /// GOURD_BIND): an item that is only a bind option (`ro`, `rw`, `image-src=...`, `id=...`)
    /// belongs to the bind before it (`-B img:/mnt:image-src=/x,ro`).
    public static func parseList(_ text: String, origin: String, cwd: String) throws(PlanError) -> [BindSpec] {
        var items: [String] = []
        for raw in text.split(separator: ",") where !raw.allSatisfy({ $0 == " " }) {
            let item = raw.trimmingSpaces()
            if isOption(item), let last = items.last, last.split(separator: ":", omittingEmptySubsequences: false).count >= 2 {
                items[items.count - 1] = last + (last.split(separator: ":", omittingEmptySubsequences: false).count == 2 ? ":" : ",") + item
            } else {
                items.append(item)
            }
        }
        var result: [BindSpec] = []
        for item in items { result.append(try parse(item, origin: origin, cwd: cwd)) }
        return result
    }

    static func isOption(_ item: String) -> Bool {
        item == "ro" || item == "rw" || item.hasPrefix("image-src=") || item.hasPrefix("id=")
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
