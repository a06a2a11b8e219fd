/// A per-GPU device path such as "/dev/nvidia{N}" or "/dev/dri/renderD{N+128}": GPU N's node
/// is the path with the number N+offset in place of the braces.
public struct DevicePattern: Sendable, Equatable {
    public var directory: String
    public var prefix: String
    public var suffix: String
    public var offset: Int

    public init?(_ text: String) {
        guard text.hasPrefix("/"), let open = text.firstIndex(of: "{"), let close = text.firstIndex(of: "}"),
            open < close, !text[..<open].isEmpty
        else { return nil }
        let slash = text[..<open].lastIndex(of: "/")!
        guard !text[close...].contains("/") else { return nil }
        let inner = text[text.index(after: open)..<close].filter { $0 != " " }
        switch inner {
        case "N": offset = 0
        default:
            let parts = inner.split(separator: "+")
            guard parts.count == 2, let number = Int(parts.first == "N" ? parts[1] : parts[0]),
                parts.contains("N"), number >= 0
            else { return nil }
            offset = number
        }
        directory = slash == text.startIndex ? "/" : String(text[..<slash])
        prefix = String(text[text.index(after: slash)..<open])
        suffix = String(text[text.index(after: close)...])
    }

    public func path(gpu: Int) -> String {
        Paths.join(directory, prefix + String(gpu + offset) + suffix)
    }

    /// The GPU number a directory entry names, if it matches.
    public func gpu(named name: String) -> Int? {
        guard name.hasPrefix(prefix), name.hasSuffix(suffix), name.count > prefix.count + suffix.count else { return nil }
        let digits = name.dropFirst(prefix.count).dropLast(suffix.count)
        guard digits.allSatisfy(\.isASCIIDigit), digits.count < 10, let number = Int(digits), number >= offset else { return nil }
        return number - offset
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
