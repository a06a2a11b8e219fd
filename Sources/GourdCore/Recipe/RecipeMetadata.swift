import GourdFormats

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The metadata a build writes: `/.gourd/image.json` for gourd, and Apptainer's
/// `/.singularity.d/` files so that Apptainer (and gourd's Apptainer support) run the image
/// the same way. Everything is a function of the recipe, the base and the build time, with
/// sorted JSON keys: the same inputs give the same bytes.
public enum RecipeMetadata {

    /// image.json as gourd writes it: GourdImageMetadata plus `workingDir` (unknown keys are
    /// ignored by readers, so older gourds read it too).
    struct Document: Encodable {
        var metadata: GourdImageMetadata
        var workingDir: String?

        enum Keys: String, CodingKey { case workingDir }

        func encode(to encoder: Encoder) throws {
            try metadata.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            try container.encodeIfPresent(workingDir, forKey: .workingDir)
        }
    }

    /// The image's run settings: the base's, with the recipe's %runscript replacing its
    /// entrypoint and command (as in Apptainer), and the recipe's labels over the base's.
    public static func metadata(recipe: Recipe, base: BaseImage, buildTime: Int64, gourdVersion: String) -> GourdImageMetadata {
        var metadata = GourdImageMetadata()
        metadata.environment = base.environment.isEmpty ? nil : base.environment
        if recipe.runscript != nil {
            metadata.runscript = ApptainerLayout.runscript
        } else {
            metadata.entrypoint = base.entrypoint
            metadata.cmd = base.cmd
            metadata.runscript = base.runscript
        }
        let labels = base.labels.merging(recipe.labelMap) { _, new in new }
        metadata.labels = labels.isEmpty ? nil : labels
        metadata.help = recipe.help.map { $0.text + "\n" } ?? base.help
        metadata.recipe = recipe.text
        metadata.bases = base.bases
        metadata.buildTime = RFC3339.utc(buildTime)
        metadata.gourdVersion = gourdVersion
        return metadata
    }

    /// Every file the build writes, in a fixed order.
    public static func files(recipe: Recipe, base: BaseImage, buildTime: Int64, gourdVersion: String) -> [RecipeFile] {
        let metadata = metadata(recipe: recipe, base: base, buildTime: buildTime, gourdVersion: gourdVersion)
        var files: [RecipeFile] = []
        func add(_ path: String, _ text: String, _ mode: UInt32) {
            files.append(RecipeFile(path: path, contents: Array(text.utf8), mode: mode))
        }
        add(ApptainerLayout.definition, recipe.text.hasSuffix("\n") || recipe.text.isEmpty ? recipe.text : recipe.text + "\n", 0o644)
        if let runscript = recipe.runscript { add(ApptainerLayout.runscript, script(runscript), 0o755) }
        if let environment = recipe.environment {
            add(ApptainerLayout.environment, "#!/bin/sh\n# %environment of \(recipe.file)\n" + environment.text + "\n", 0o644)
        }
        if let test = recipe.test { add(ApptainerLayout.test, script(test), 0o755) }
        if let help = metadata.help { add(ApptainerLayout.help, help, 0o644) }
        if let labels = metadata.labels { files.append(RecipeFile(path: ApptainerLayout.labels, contents: json(labels), mode: 0o644)) }
        let document = Document(metadata: metadata, workingDir: base.workingDir)
        files.append(RecipeFile(path: GourdImageMetadata.path, contents: json(document), mode: 0o644))
        return files
    }

    /// A section as an executable script: `#!INTERPRETER OPTIONS` (default /bin/sh), the text.
    /// Without `-c`, a section whose first line is a `#!` line keeps it, as Apptainer does
    /// (`%runscript` starting with `#!/bin/bash` runs under bash).
    public static func script(_ script: Recipe.Script) -> String {
        if script.interpreter == nil, let own = ownShebang(script.text) { return own }
        let shebang = ([script.interpreter ?? "/bin/sh"] + script.options).joined(by: " ")
        return "#!\(shebang)\n\n\(script.text)\n"
    }

    /// The section's text starting at its own `#!` line (indentation removed), or nil.
    static func ownShebang(_ text: String) -> String? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        while let first = lines.first, first.allSatisfy({ $0 == " " || $0 == "\t" }) { lines.removeFirst() }
        guard let first = lines.first else { return nil }
        let trimmed = first.drop(while: { $0 == " " || $0 == "\t" })
        guard trimmed.hasPrefix("#!") else { return nil }
        lines[0] = trimmed
        return lines.joined(by: "\n") + "\n"
    }

    /// Pretty, key-sorted JSON with a final newline: stable bytes for reproducible images.
    static func json<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Only strings, arrays and dictionaries are encoded here: this cannot fail.
        return Array((try? encoder.encode(value)) ?? Data("{}".utf8)) + [UInt8(ascii: "\n")]
    }
}
