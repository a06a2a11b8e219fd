import CGourdTOML

extension TOMLNode {
    /// Not valid TOML: toml++'s message and where it stopped.
    package struct SyntaxError: Error {
        package var line: Int
        package var column: Int
        package var message: String
    }

    /// Parses a whole document into its root table.
    package static func parse(_ text: String) throws(SyntaxError) -> TOMLNode {
        var text = text
        var builder = Builder()
        text.withUTF8 { bytes in
            withUnsafeMutablePointer(to: &builder) { pointer in
                _ = gt_parse(
                    bytes.baseAddress, bytes.count,
                    { event, context in
                        context!.assumingMemoryBound(to: Builder.self).pointee.receive(event!.pointee)
                    }, pointer)
            }
        }
        if let error = builder.error { throw error }
        guard let root = builder.root else {
            throw SyntaxError(line: 0, column: 0, message: "the TOML parser returned no document")
        }
        return root
    }

    /// Turns gt_parse's depth-first events back into a tree.
    private struct Builder {
        struct Open {
            var key: String?
            var line: Int
            var isTable: Bool
            var entries: [(key: String, node: TOMLNode)] = []
            var items: [TOMLNode] = []
        }

        var open: [Open] = []
        var root: TOMLNode?
        var error: SyntaxError?

        mutating func receive(_ event: gt_event) {
            let key = event.key.map { Self.text($0, event.key_length) }
            let line = Int(event.line)
            switch gt_kind(UInt32(bitPattern: event.kind)) {
            case GT_SYNTAX_ERROR:
                error = SyntaxError(line: line, column: Int(event.column), message: Self.text(event.text, event.text_length))
            case GT_TABLE: open.append(Open(key: key, line: line, isTable: true))
            case GT_ARRAY: open.append(Open(key: key, line: line, isTable: false))
            case GT_END:
                guard let done = open.popLast() else { return }
                let node = TOMLNode(value: done.isTable ? .table(done.entries) : .array(done.items), line: done.line)
                add(node, key: done.key)
            case GT_STRING: add(TOMLNode(value: .string(Self.text(event.text, event.text_length)), line: line), key: key)
            case GT_INTEGER: add(TOMLNode(value: .integer(Int(event.integer)), line: line), key: key)
            case GT_FLOAT: add(TOMLNode(value: .float(event.number), line: line), key: key)
            case GT_BOOL: add(TOMLNode(value: .bool(event.boolean != 0), line: line), key: key)
            default: add(TOMLNode(value: .other(Self.text(event.text, event.text_length)), line: line), key: key)
            }
        }

        mutating func add(_ node: TOMLNode, key: String?) {
            guard !open.isEmpty else {
                root = node
                return
            }
            if open[open.count - 1].isTable {
                open[open.count - 1].entries.append((key ?? "", node))
            } else {
                open[open.count - 1].items.append(node)
            }
        }

        static func text(_ start: UnsafePointer<CChar>?, _ count: Int) -> String {
            guard let start else { return "" }
            return String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
        }
    }
}
