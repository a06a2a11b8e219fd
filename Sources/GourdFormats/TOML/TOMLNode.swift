/// A TOML document as toml++ read it (through CGourdTOML), with the line each key was written
/// on, so that messages can name it. Only what the site policy needs: no dates, no writing.
package struct TOMLNode {
    package enum Value {
        /// Entries in toml++'s order: sorted by key.
        case table([(key: String, node: TOMLNode)])
        case array([TOMLNode])
        case string(String)
        case integer(Int)
        case float(Double)
        case bool(Bool)
        /// A date, time or date-time, by its type name.
        case other(String)
    }

    package var value: Value
    /// 1-based: of the key for a table entry, of the value for an array element; 0 for the root.
    package var line: Int

    /// The entry `key` of a table; nil when absent or not a table.
    package subscript(key: String) -> TOMLNode? {
        guard case .table(let entries) = value else { return nil }
        return entries.first(where: { $0.key == key })?.node
    }

    /// The line of the entry at `path` below this table (in the `occurrence`-th element of the
    /// array its first key holds, when given), else of the nearest enclosing entry that exists.
    package func line(of path: [String], occurrence: Int? = nil) -> Int? {
        var node = self
        var line: Int?
        for (index, key) in path.enumerated() {
            guard let child = node[key] else { break }
            node = child
            line = child.line
            if index == 0, let occurrence {
                guard let items = child.array, items.indices.contains(occurrence) else { break }
                node = items[occurrence]
                line = node.line
            }
        }
        return line
    }

    /// The keys of a table, in order; empty for anything else.
    package var keys: [String] {
        guard case .table(let entries) = value else { return [] }
        return entries.map(\.key)
    }

    package var isTable: Bool {
        if case .table = value { return true }
        return false
    }

    package var array: [TOMLNode]? {
        if case .array(let items) = value { return items }
        return nil
    }

    package var string: String? {
        if case .string(let text) = value { return text }
        return nil
    }

    package var bool: Bool? {
        if case .bool(let flag) = value { return flag }
        return nil
    }

    /// The type as messages name it ("expected a string, found integer").
    package var typeName: String {
        switch value {
        case .table: return "table"
        case .array: return "array"
        case .string: return "string"
        case .integer: return "integer"
        case .float: return "floating-point number"
        case .bool: return "bool"
        case .other(let name): return name
        }
    }
}
