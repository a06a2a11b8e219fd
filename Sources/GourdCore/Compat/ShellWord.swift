/// One shell word as sh(1) reads it (POSIX "Token Recognition" and "Quoting"), scanned on the
/// host without expanding anything: its text after quote removal, and whether it holds an
/// expansion ($NAME, ${...}, $(...), `...`) that only the container's shell can evaluate.
/// Apptainer evaluates --env-file lines and APPTAINERENV_/--env values with a shell
/// interpreter; gourd hands exactly those to the image's shell and checks their syntax here
/// first, so a malformed value fails with one line naming it, not with a shell's parse error.
public struct ShellWord: Sendable, Equatable {
    /// The word after quote removal, expansions left as written.
    public var literal: String
    /// Whether the word expands ($, `) outside single quotes.
    public var expands: Bool

    /// Scans one word at the start of `text`, then allows only blanks and a `#` comment.
    /// Returns the word, or the reason it is not one.
    public static func scanAssignmentValue(_ text: String) -> Result<ShellWord, ScanError> {
        var scanner = Scanner(Array(text))
        do throws(ScanError) {
            let word = try scanner.word()
            scanner.skipBlanks()
            if !scanner.atEnd && scanner.peek != "#" {
                throw ScanError("more than one word after '=' (quote the value)")
            }
            return .success(word)
        } catch {
            return .failure(error)
        }
    }

    /// The characters whose meaning differs inside double quotes: a value without them reads
    /// back unchanged from `"value"`.
    public static func needsEvaluation(_ value: String) -> Bool { value.contains { "$`\\".contains($0) } }

    /// `value` as a double-quoted word, as Apptainer injects APPTAINERENV_ and --env values
    /// (`export NAME="value"`): `$NAME` and `$(...)` expand in the container and `\$` stays a
    /// literal `$` (Apptainer's "Evaluating container variables"); `"` is escaped, and so is a
    /// trailing backslash, which would otherwise escape the closing quote. Checked like
    /// `scanAssignmentValue`.
    public static func doubleQuoted(_ value: String) -> Result<String, ScanError> {
        var body = value.replacingAll("\"", with: "\\\"")
        var trailing = 0
        for character in body.reversed() {
            guard character == "\\" else { break }
            trailing += 1
        }
        if trailing % 2 == 1 { body += "\\" }
        let word = "\"" + body + "\""
        switch scanAssignmentValue(word) {
        case .success: return .success(word)
        case .failure(let error): return .failure(error)
        }
    }

    /// Why a value is not one shell word.
    public struct ScanError: Error, Equatable, Sendable {
        public let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    struct Scanner {
        let chars: [Character]
        var index = 0

        init(_ chars: [Character]) { self.chars = chars }

        var atEnd: Bool { index >= chars.count }
        var peek: Character? { atEnd ? nil : chars[index] }

        mutating func skipBlanks() {
            while let c = peek, c == " " || c == "\t" { index += 1 }
        }

        mutating func word() throws(ScanError) -> ShellWord {
            var result = ShellWord(literal: "", expands: false)
            while let c = peek, c != " " && c != "\t" {
                switch c {
                case "\\":
                    guard index + 1 < chars.count else { throw ScanError("ends with a backslash") }
                    result.literal.append(chars[index + 1])
                    index += 2
                case "'":
                    guard let close = chars[(index + 1)...].firstIndex(of: "'") else { throw ScanError("unterminated single quote") }
                    result.literal += String(chars[(index + 1)..<close])
                    index = close + 1
                case "\"":
                    index += 1
                    try doubleQuotedPart(into: &result)
                case "$", "`":
                    try expansion(into: &result)
                case ";", "&", "|", "<", ">", "(", ")":
                    throw ScanError("unquoted '\(c)' (quote the value)")
                default:
                    result.literal.append(c)
                    index += 1
                }
            }
            return result
        }

        /// After an opening `"`, up to and including the closing one.
        mutating func doubleQuotedPart(into result: inout ShellWord) throws(ScanError) {
            while let c = peek {
                switch c {
                case "\"":
                    index += 1
                    return
                case "\\" where index + 1 < chars.count && "$`\"\\\n".contains(chars[index + 1]):
                    result.literal.append(chars[index + 1])
                    index += 2
                case "$", "`":
                    try expansion(into: &result)
                default:
                    result.literal.append(c)
                    index += 1
                }
            }
            throw ScanError("unterminated double quote")
        }

        /// At `$` or a backquote: the whole expansion, balanced; a `$` that starts none is literal.
        mutating func expansion(into result: inout ShellWord) throws(ScanError) {
            let start = index
            if chars[index] == "`" {
                guard let close = chars[(index + 1)...].firstIndex(of: "`") else { throw ScanError("unterminated backquote") }
                index = close + 1
            } else if index + 1 < chars.count, chars[index + 1] == "(" || chars[index + 1] == "{" {
                let (open, close): (Character, Character) = chars[index + 1] == "(" ? ("(", ")") : ("{", "}")
                var depth = 0
                index += 1
                repeat {
                    guard let c = peek else { throw ScanError("unterminated $\(open)") }
                    if c == open { depth += 1 } else if c == close { depth -= 1 }
                    index += 1
                } while depth > 0
            } else if index + 1 < chars.count, chars[index + 1].isLetter || chars[index + 1] == "_" {
                index += 2  // $NAME
                while let c = peek, c.isLetter || c.isNumber || c == "_" { index += 1 }
            } else if index + 1 < chars.count, chars[index + 1].isNumber || "@*#?$!-".contains(chars[index + 1]) {
                index += 2  // $1, $?, $$...
            } else {
                result.literal.append("$")
                index += 1
                return
            }
            result.literal += String(chars[start..<index])
            result.expands = true
        }
    }
}
