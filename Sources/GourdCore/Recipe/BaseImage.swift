#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What the base of a build brings along: the run settings of its OCI config or of its own
/// gourd metadata, its labels, and the images it was built from.
public struct BaseImage: Sendable, Equatable {
    /// "NAME=VALUE", literal (OCI Env).
    public var environment: [String] = []
    public var entrypoint: [String]?
    public var cmd: [String]?
    /// OCI WorkingDir: recorded in image.json as `workingDir`; `gourd run` starts there.
    public var workingDir: String?
    public var labels: [String: String] = [:]
    public var help: String?
    /// gourd metadata's runscript path, when the base had one.
    public var runscript: String?
    /// The base's own provenance, then the base itself.
    public var bases: [GourdImageMetadata.Base] = []

    public init() {}

    /// The base facts of an image gourd (or Apptainer) built: its image.json and labels.json.
    public init(gourd: GourdImageMetadata?, apptainerLabels: [String: String]?, apptainerHelp: String?) {
        environment = gourd?.environment ?? []
        entrypoint = gourd?.entrypoint
        cmd = gourd?.cmd
        runscript = gourd?.runscript
        labels = (apptainerLabels ?? [:]).merging(gourd?.labels ?? [:]) { _, new in new }
        help = gourd?.help ?? apptainerHelp
        bases = gourd?.bases ?? []
    }
}
