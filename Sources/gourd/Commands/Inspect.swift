import ArgumentParser
import GourdCore
import GourdFormats
import GourdRuntime

extension Gourd {
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Describe an image: file, format (squashfs or SIF), compression, sha256 and metadata.")

        @Flag(name: .customLong("json"), help: "Print one JSON document, for tools.")
        var json = false
        @Argument(help: "The image (squashfs or SIF file).") var image: String
        @Flag(name: [.customShort("l"), .customLong("labels")], help: "Only the labels (Apptainer's selector).") var labels = false
        @Flag(name: [.customShort("r"), .customLong("runscript")], help: "Only the runscript.") var runscript = false
        @Flag(name: [.customShort("e"), .customLong("environment")], help: "Only the environment (image.json, env scripts).")
        var environment = false
        @Flag(name: [.customShort("H"), .customLong("helpfile")], help: "Only the help text.") var helpfile = false
        @Flag(name: [.customShort("d"), .customLong("deffile")], help: "Only the definition file (recipe).") var deffile = false

        var selections: [InspectSelection] {
            let chosen: [(Bool, InspectSelection)] = [
                (labels, .labels), (runscript, .runscript), (environment, .environment), (helpfile, .helpfile), (deffile, .deffile),
            ]
            return chosen.filter { $0.0 }.map { $0.1 }
        }

        func run() throws {
            let path = HostFiles().realPath(image) ?? image
            do throws(LaunchError) {
                let inspection = try ImageInspector.inspect(path)
                if !selections.isEmpty {
                    let scripts = selections.contains(.environment) ? try ImageInspector.environmentScripts(path) : []
                    if let text = InspectSelection.text(inspection, selections, scripts: scripts) { print(text) }
                    return
                }
                print(json ? InspectReport.json(inspection) : InspectReport.text(inspection), terminator: json ? "\n" : "")
            } catch {
                FileHandle.standardError.write("gourd: \(error)\n")
                throw ExitCode(error.exitCode)
            }
        }
    }
}
