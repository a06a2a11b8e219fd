#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What the image says about how to run it: Apptainer's `/.singularity.d/` layout first,
/// then gourd's `/.gourd/image.json`.
public struct ImageMetadata: Sendable, Equatable {
    public var apptainerRunscript: String?
    /// Scripts sourced, in name order, before the workload starts.
    public var apptainerEnvScripts: [String]
    public var gourd: GourdImageMetadata?

    public init(apptainerRunscript: String? = nil, apptainerEnvScripts: [String] = [], gourd: GourdImageMetadata? = nil) {
        self.apptainerRunscript = apptainerRunscript
        self.apptainerEnvScripts = apptainerEnvScripts
        self.gourd = gourd
    }

    public static func read(from image: ImageView) throws(PlanError) -> ImageMetadata {
        var metadata = ImageMetadata()
        if image.kind(ApptainerLayout.runscript) == .file { metadata.apptainerRunscript = ApptainerLayout.runscript }
        metadata.apptainerEnvScripts = (image.list(ApptainerLayout.environmentDirectory) ?? [])
            .filter { $0.hasSuffix(".sh") }
            .sorted()
            .map { ApptainerLayout.environmentDirectory + "/" + $0 }
        if let bytes = image.readFile(GourdImageMetadata.path, limit: 16 << 20) {
            do {
                metadata.gourd = try JSONDecoder().decode(GourdImageMetadata.self, from: Data(bytes))
            } catch {
                throw .badImageMetadata(path: GourdImageMetadata.path, reason: "not valid JSON for schema 1 (\(error))")
            }
        }
        return metadata
    }

    /// The image's own environment from gourd metadata ("NAME=VALUE" entries).
    public func environment() throws(PlanError) -> [EnvironmentVariable] {
        var result: [EnvironmentVariable] = []
        for entry in gourd?.environment ?? [] {
            guard let variable = EnvironmentRules.split(entry) else {
                throw .badImageMetadata(path: GourdImageMetadata.path, reason: "environment entry '\(entry)' is not NAME=VALUE")
            }
            result.append(variable)
        }
        return result
    }

    /// What `gourd run IMAGE ARGS...` executes.
    public func runArgv(_ args: [String]) -> [String] {
        if let script = apptainerRunscript { return [script] + args }
        if let gourd {
            if let entrypoint = gourd.entrypoint, !entrypoint.isEmpty {
                return entrypoint + (args.isEmpty ? (gourd.cmd ?? []) : args)
            }
            if let cmd = gourd.cmd, !cmd.isEmpty { return args.isEmpty ? cmd : args }
            if let script = gourd.runscript { return [script] + args }
        }
        return ["/bin/sh"] + args
    }
}
