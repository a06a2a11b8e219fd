/// The name gourd was started under (argv[0]). Installed as `apptainer` or `singularity` (a
/// symlink, a site module), gourd is a drop-in for tools that drive Apptainer (Snakemake,
/// Nextflow): Apptainer's variable names then win over gourd's, and `--version` answers as
/// Apptainer does. Under its own name both families work, gourd's first.
public enum CommandPersonality: String, Sendable, Equatable, Codable {
    case gourd, apptainer, singularity

    /// The Apptainer release whose documented behaviour (user-namespace mode) gourd follows.
    public static let apptainerVersion = "1.4.0"

    /// From argv[0]: its last path component, "apptainer" or "singularity"; anything else is gourd.
    public init(argv0: String) {
        let name = argv0.split(separator: "/").last.map(String.init) ?? argv0
        self = CommandPersonality(rawValue: name) ?? .gourd
    }

    public var isApptainer: Bool { self != .gourd }

    /// Prefixes of control variables (`PREFIX` + `BIND`, `CLEANENV`...), highest precedence
    /// first. Apptainer itself prefers APPTAINER_ over its legacy SINGULARITY_ names.
    public var controlPrefixes: [String] {
        isApptainer ? ["APPTAINER_", "SINGULARITY_", "GOURD_"] : ["GOURD_", "APPTAINER_", "SINGULARITY_"]
    }

    /// Prefixes that set a variable inside (`PREFIX` + `NAME=VALUE`), highest precedence first.
    public var injectionPrefixes: [String] {
        isApptainer ? ["APPTAINERENV_", "SINGULARITYENV_", "GOURDENV_"] : ["GOURDENV_", "APPTAINERENV_", "SINGULARITYENV_"]
    }

    /// What `--version` prints: the form tools parse under Apptainer's names, gourd's own otherwise.
    public func versionLine(gourdVersion: String) -> String {
        isApptainer ? "apptainer version \(Self.apptainerVersion)" : gourdVersion
    }
}
