#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// gourd's own image metadata, one JSON document at `/.gourd/image.json`. Unknown keys are
/// ignored so that newer images stay readable. `gourd run` follows Docker's rules when
/// `entrypoint` or `cmd` is set, else runs `runscript` with the arguments.
public struct GourdImageMetadata: Codable, Sendable, Equatable {
    public static let path = "/.gourd/image.json"
    public var schema: Int
    /// "NAME=VALUE" entries applied literally, in order (no expansion, as OCI's Env).
    public var environment: [String]?
    public var entrypoint: [String]?
    public var cmd: [String]?
    /// Absolute path inside the image of an executable run by `gourd run`.
    public var runscript: String?
    public var labels: [String: String]?
    public var help: String?
    /// Where `gourd run` starts (OCI WorkingDir), unless --pwd says otherwise.
    public var workingDir: String?
    // Provenance, written by `gourd build`; optional so that older images stay readable.
    /// The recipe text the image was built from.
    public var recipe: String?
    /// The images it was built on, with their digests.
    public var bases: [Base]?
    /// When it was built (RFC 3339).
    public var buildTime: String?
    /// The gourd that built it.
    public var gourdVersion: String?

    public struct Base: Codable, Sendable, Equatable {
        public var source: String
        public var digest: String
        public init(source: String, digest: String) {
            self.source = source
            self.digest = digest
        }
    }

    public init(
        schema: Int = 1, environment: [String]? = nil, entrypoint: [String]? = nil,
        cmd: [String]? = nil, runscript: String? = nil, labels: [String: String]? = nil,
        help: String? = nil, recipe: String? = nil, bases: [Base]? = nil, buildTime: String? = nil,
        gourdVersion: String? = nil
    ) {
        self.schema = schema
        self.environment = environment
        self.entrypoint = entrypoint
        self.cmd = cmd
        self.runscript = runscript
        self.labels = labels
        self.help = help
        self.recipe = recipe
        self.bases = bases
        self.buildTime = buildTime
        self.gourdVersion = gourdVersion
    }
}
