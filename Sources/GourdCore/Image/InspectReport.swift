import GourdFormats

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `gourd inspect` output: one JSON document for tools, or text for people.
public enum InspectReport {
    public static func json(_ inspection: ImageInspection) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(inspection) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    public static func text(_ inspection: ImageInspection) -> String {
        var out: [String] = []
        let file = inspection.file
        out.append(field("file", file.path))
        out.append(field("size", "\(file.size) bytes"))
        out.append(field("sha256", file.sha256))
        if let sif = inspection.sif {
            out.append(
                field(
                    "format", "SIF \(sif.version): squashfs primary partition at offset \(sif.partitionOffset), \(sif.partitionSize) bytes")
            )
            out.append(field("sif id", sif.id))
            out.append(field("arch", sif.arch))
            out.append(field("created", sif.created))
            out.append(field("modified", sif.modified))
            out.append(field("objects", ""))
            for object in sif.objects {
                let name = object.name.isEmpty ? "" : " '\(object.name)'"
                out.append("  \(object.id): \(object.type)\(name), \(object.size) bytes at offset \(object.offset)")
            }
        } else {
            out.append(field("format", "squashfs"))
        }
        let squash = inspection.squashfs
        out.append(
            field(
                "squashfs",
                "version \(squash.version), \(squash.compression) compression, block size \(squash.blockSize), \(squash.inodes) inodes, \(squash.bytesUsed) bytes"
            ))
        out.append(field("run", words(inspection.run)))
        out += gourdSection(inspection.gourd)
        out += apptainerSection(inspection.apptainer)
        if inspection.gourd == nil && inspection.apptainer == nil {
            out.append("")
            out.append("no image metadata (neither \(GourdImageMetadata.path) nor /.singularity.d)")
        }
        if !inspection.warnings.isEmpty {
            out.append("")
            out.append("warnings")
            out += inspection.warnings.map { "  " + $0 }
        }
        // The image is untrusted: none of its text may drive the terminal.
        return out.map(visible).joined(by: "\n") + "\n"
    }

    static func gourdSection(_ gourd: GourdImageMetadata?) -> [String] {
        guard let gourd else { return [] }
        var out = ["", "gourd metadata (\(GourdImageMetadata.path), schema \(gourd.schema))"]
        if let entrypoint = gourd.entrypoint { out.append(field("  entrypoint", words(entrypoint))) }
        if let cmd = gourd.cmd { out.append(field("  cmd", words(cmd))) }
        if let runscript = gourd.runscript { out.append(field("  runscript", runscript)) }
        if let environment = gourd.environment { out += list("  environment", environment) }
        if let labels = gourd.labels { out += list("  labels", labelLines(labels)) }
        if let buildTime = gourd.buildTime { out.append(field("  built", buildTime)) }
        if let version = gourd.gourdVersion { out.append(field("  built by", "gourd \(version)")) }
        if let bases = gourd.bases { out += list("  bases", bases.map { "\($0.source) \($0.digest)" }) }
        if let help = gourd.help { out += block("  help", help) }
        if let recipe = gourd.recipe { out += block("  recipe", recipe) }
        return out
    }

    static func apptainerSection(_ apptainer: ImageInspection.Apptainer?) -> [String] {
        guard let apptainer else { return [] }
        var out = ["", "apptainer metadata (/.singularity.d)"]
        if let labels = apptainer.labels { out += list("  labels", labelLines(labels)) }
        if !apptainer.environmentScripts.isEmpty { out += list("  env scripts", apptainer.environmentScripts) }
        if let runscript = apptainer.runscript { out += block("  runscript", runscript) }
        if let help = apptainer.help { out += block("  help", help) }
        if let definition = apptainer.definition { out += block("  definition (\(ApptainerLayout.definition))", definition) }
        return out
    }

    static func labelLines(_ labels: [String: String]) -> [String] {
        labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    }

    /// Shell words, quoted only when they need it.
    static func words(_ argv: [String]) -> String {
        argv.map { word in
            let plain =
                !word.isEmpty
                && word.unicodeScalars.allSatisfy {
                    ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                        || "_@%+=:,./-".unicodeScalars.contains($0)
                }
            return plain ? word : ShellQuote.quote(word)
        }.joined(by: " ")
    }

    /// Values start in this column.
    static let width = 15

    static func field(_ name: String, _ value: String) -> String {
        value.isEmpty ? name : pad(name, width) + value
    }

    /// The first entry beside the name, the others aligned under it.
    static func list(_ name: String, _ entries: [String]) -> [String] {
        guard let first = entries.first else { return [field(name, "(none)")] }
        return [field(name, first)] + entries.dropFirst().map { String(repeating: " ", count: width) + $0 }
    }

    /// A text file, indented under its name.
    static func block(_ name: String, _ text: String) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return [name] + lines.map { $0.isEmpty ? "    |" : "    | " + $0 }
    }

    /// Control characters other than tab (escape sequences, newlines in a label) as \u{hex}.
    static func visible(_ line: String) -> String {
        var out = ""
        for scalar in line.unicodeScalars {
            if scalar.value < 0x20 && scalar != "\t" || scalar.value == 0x7f || (0x80..<0xa0).contains(scalar.value) {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
