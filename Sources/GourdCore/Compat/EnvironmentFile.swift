/// `--env-file FILE`: one `NAME=VALUE` per line, as Apptainer's documentation shows them, read
/// as the shell reads an assignment: blank lines and `#` comments are skipped, a leading
/// `export ` is allowed, VALUE is one shell word (quotes as in sh: `"two words"`, `'$literal'`,
/// `a\ b`) optionally followed by a `# comment`. A value that expands (`$HOME/x`,
/// `${A:-b}`, `$(cmd)`) is evaluated inside the container by the image's shell, as Apptainer
/// evaluates the file with its shell interpreter; everything else is known here exactly.
public enum EnvironmentFile {
    /// One assignment of the file.
    public struct Line: Sendable, Equatable {
        /// The value after quote removal (exact unless `shellText` is set).
        public var variable: EnvironmentVariable
        /// The value as written, for the container's shell, when it expands.
        public var shellText: String?
    }

    public static func lines(_ text: String, path: String) throws(PlanError) -> [Line] {
        var result: [Line] = []
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = rawLine.trimmingSpaces()
            if line.hasSuffix("\r") { line = Substring(line.dropLast()).trimmingSpaces() }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = Substring(line.dropFirst("export ".count)).trimmingSpaces() }
            guard let eq = line.firstIndex(of: "="), EnvironmentRules.isValidName(String(line[..<eq])) else {
                throw .badEnvironmentFile(path, reason: "line \(number + 1): expected NAME=VALUE")
            }
            let name = String(line[..<eq])
            let raw = String(line[line.index(after: eq)...])
            switch ShellWord.scanAssignmentValue(raw) {
            case .failure(let error):
                throw .badEnvironmentFile(path, reason: "line \(number + 1): \(name): \(error.reason)")
            case .success(let word):
                result.append(Line(variable: EnvironmentVariable(name, word.literal), shellText: word.expands ? raw : nil))
            }
        }
        return result
    }

    /// The variables with their values after quote removal (expansions as written).
    public static func parse(_ text: String, path: String) throws(PlanError) -> [EnvironmentVariable] {
        try lines(text, path: path).map(\.variable)
    }
}
