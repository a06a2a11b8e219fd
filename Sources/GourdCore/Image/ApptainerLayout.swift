/// Every path of Apptainer's `/.singularity.d/` image layout that gourd reads or writes, and
/// the one shell snippet that sources its environment scripts (Apptainer's action scripts
/// source `/.singularity.d/env/*.sh` in name order before the command).
public enum ApptainerLayout {
    public static let directory = "/.singularity.d"
    public static let runscript = "/.singularity.d/runscript"
    public static let environmentDirectory = "/.singularity.d/env"
    /// %environment of the recipe.
    public static let environment = "/.singularity.d/env/90-environment.sh"
    /// Where %post may append `export` lines (Apptainer's $APPTAINER_ENVIRONMENT).
    public static let postEnvironment = "/.singularity.d/env/91-environment.sh"
    public static let labels = "/.singularity.d/labels.json"
    /// A Docker/OCI base's `Env`, as Apptainer writes it (hpccm's recipes source it in %post).
    public static let dockerEnvironment = "/.singularity.d/env/10-docker2singularity.sh"
    /// Where %post appends `KEY VALUE` label lines ($APPTAINER_LABELS); read and removed after %post.
    public static let buildLabels = "/.build.labels"
    public static let help = "/.singularity.d/runscript.help"
    public static let definition = "/.singularity.d/Singularity"
    public static let test = "/.singularity.d/test"

    /// Sources every readable environment script, in glob (name) order; ends with "; ".
    public static let sourceEnvironmentScripts =
        "for f in \(environmentDirectory)/*.sh; do if [ -r \"$f\" ]; then . \"$f\"; fi; done; "

    /// The interpreter for environment scripts and shebang-less runscripts: the image's bash
    /// when present (Apptainer's own interpreter accepts bash syntax), else /bin/sh; nil when
    /// the image has neither.
    public static func scriptShell(_ image: any ImageView) -> String? {
        ["/bin/bash", "/bin/sh"].first(where: { image.kind($0) == .file })
    }

    /// 10-docker2singularity.sh for a base's `Env` entries, as Apptainer writes it: PATH is set,
    /// every other variable only when the caller has not set it (`${NAME:-value}`).
    public static func dockerEnvironmentScript(_ environment: [String]) -> String {
        var text = "#!/bin/sh\n# The Docker/OCI base image's environment (Env), written by gourd build as Apptainer does.\n"
        for entry in environment {
            guard let eq = entry.firstIndex(of: "="), eq != entry.startIndex else { continue }
            let name = String(entry[..<eq])
            let value = String(entry[entry.index(after: eq)...])
            guard EnvironmentRules.isValidName(name) else { continue }
            let quoted = value.reduce(into: "") { result, character in
                if "\\\"$`".contains(character) { result.append("\\") }
                result.append(character)
            }
            text += name == "PATH" ? "export PATH=\"\(quoted)\"\n" : "export \(name)=\"${\(name):-\(quoted)}\"\n"
        }
        return text
    }

    /// The labels %post wrote to $APPTAINER_LABELS: one `KEY VALUE` per line (the value is the
    /// rest of the line); blank lines are skipped.
    public static func buildLabels(_ text: String) -> [String: String] {
        var labels: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingSpaces()
            guard !trimmed.isEmpty else { continue }
            let parts = trimmed.split(maxSplits: 1, whereSeparator: { $0 == " " || $0 == "\t" })
            labels[String(parts[0])] = parts.count > 1 ? Substring(parts[1]).trimmingSpaces() : ""
        }
        return labels
    }
}
