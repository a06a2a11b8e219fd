/// Apptainer's `inspect` selectors (`--labels`, `--runscript`, `--environment`,
/// `--helpfile`, `--deffile`): one part of the metadata as plain text, from Apptainer's
/// layout first, else gourd's image.json.
public enum InspectSelection: String, CaseIterable, Sendable {
    case labels, runscript, environment, helpfile, deffile

    /// The selected parts, in the order given, separated by a blank line; nil when the image
    /// has none of them. `environment` shows the env scripts' text from `scripts` (path, text).
    public static func text(
        _ inspection: ImageInspection, _ selections: [InspectSelection],
        scripts: [(String, String)] = []
    ) -> String? {
        let parts = selections.compactMap { part(inspection, $0, scripts: scripts) }
        return parts.isEmpty ? nil : parts.joined(by: "\n")
    }

    static func part(_ inspection: ImageInspection, _ selection: InspectSelection, scripts: [(String, String)]) -> String? {
        let apptainer = inspection.apptainer
        let gourd = inspection.gourd
        func trailing(_ text: String) -> String { text.hasSuffix("\n") ? String(text.dropLast()) : text }
        switch selection {
        case .labels:
            guard let labels = apptainer?.labels ?? gourd?.labels, !labels.isEmpty else { return nil }
            return labels.keys.sorted().map { "\($0): \(labels[$0]!)" }.joined(by: "\n")
        case .runscript:
            if let text = apptainer?.runscript { return trailing(text) }
            return inspection.run.isEmpty ? nil : "# gourd run: " + inspection.run.map(ShellQuote.quote).joined(by: " ")
        case .environment:
            var lines = (gourd?.environment ?? []).map { "export " + $0 }
            for (path, text) in scripts { lines.append("=== \(path) ===\n" + trailing(text)) }
            return lines.isEmpty ? nil : lines.joined(by: "\n")
        case .helpfile:
            return (apptainer?.help ?? gourd?.help).map(trailing)
        case .deffile:
            return (apptainer?.definition ?? gourd?.recipe).map(trailing)
        }
    }
}
