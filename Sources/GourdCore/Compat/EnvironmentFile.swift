/// `--env-file FILE`: one NAME=VALUE per line, as Apptainer's documentation shows them.
/// Blank lines and `#` comments are skipped, a leading `export ` is allowed, and one pair of
/// matching quotes around the value is removed. Apptainer evaluates the file with a shell
/// interpreter (so `$VAR` expands there); gourd takes values literally.
public enum EnvironmentFile {
    public static func parse(_ text: String, path: String) throws(PlanError) -> [EnvironmentVariable] {
        var result: [EnvironmentVariable] = []
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = rawLine.trimmingSpaces()
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = Substring(line.dropFirst("export ".count)).trimmingSpaces() }
            guard var variable = EnvironmentRules.split(line) else {
                throw .badEnvironmentFile(path, reason: "line \(number + 1): expected NAME=VALUE")
            }
            let value = variable.value
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                variable = EnvironmentVariable(variable.name, String(value.dropFirst().dropLast()))
            }
            result.append(variable)
        }
        return result
    }
}
