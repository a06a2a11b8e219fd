/// Finds the line of a key in a TOML text, for messages. TOMLKit reports lines for syntax
/// errors only, so the parser asks this index where a key it rejects was written.
///
/// It reads table headers (`[a.b]`, `[[a]]`) and `key =` lines, dotted keys included; keys
/// inside inline tables or multi-line values are attributed to the line their parent key is on.
struct PolicyLines {
    struct Entry {
        var path: [String]
        /// Which `[[array]]` table it belongs to (0-based) when under one.
        var occurrence: Int?
        var line: Int
    }

    private(set) var entries: [Entry] = []

    init(_ text: String) {
        var table: [String] = []
        var occurrence: Int?
        var arrayCounts: [[String]: Int] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.drop(while: { $0 == " " || $0 == "\t" })
            if line.hasPrefix("[[") {
                table = Self.keyParts(line.dropFirst(2).prefix(while: { $0 != "]" }))
                occurrence = arrayCounts[table, default: 0]
                arrayCounts[table] = occurrence! + 1
                entries.append(Entry(path: table, occurrence: occurrence, line: index + 1))
            } else if line.hasPrefix("[") {
                table = Self.keyParts(line.dropFirst().prefix(while: { $0 != "]" }))
                occurrence = nil
                entries.append(Entry(path: table, occurrence: nil, line: index + 1))
            } else if let eq = line.firstIndex(of: "="), !line.hasPrefix("#") {
                let key = Self.keyParts(line[..<eq])
                if !key.isEmpty { entries.append(Entry(path: table + key, occurrence: occurrence, line: index + 1)) }
            }
        }
    }

    /// The line of `path` (in the `occurrence`-th `[[...]]` table when given), else of its
    /// nearest enclosing table or key that was written down.
    func line(_ path: [String], occurrence: Int? = nil) -> Int? {
        var path = path
        while !path.isEmpty {
            if let entry = entries.first(where: { $0.path == path && (occurrence == nil || $0.occurrence == occurrence) }) {
                return entry.line
            }
            path.removeLast()
        }
        return nil
    }

    /// `a . "b c"` -> ["a", "b c"]. Good enough for the keys of a policy file.
    static func keyParts(_ text: Substring) -> [String] {
        text.split(separator: ".").map {
            String($0.trimmingCharacters(" \t").trimmingCharacters("\"'"))
        }.filter { !$0.isEmpty }
    }
}

extension Substring {
    func trimmingCharacters(_ set: String) -> Substring {
        var result = drop(while: { set.contains($0) })
        while let last = result.last, set.contains(last) { result = result.dropLast() }
        return result
    }
}
