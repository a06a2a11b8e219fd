import ArgumentParser
import GourdCore
import GourdRuntime
import GourdFormats

extension Gourd {
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Describe an image: file, format (squashfs or SIF), compression, sha256 and metadata.")

        @Flag(name: .customLong("json"), help: "Print one JSON document, for tools.")
        var json = false
        @Argument(help: "The image (squashfs or SIF file).") var image: String

        func run() throws {
            let path = HostFiles().realPath(image) ?? image
            do throws(LaunchError) {
                let inspection = try ImageInspector.inspect(path)
                print(json ? InspectReport.json(inspection) : InspectReport.text(inspection), terminator: json ? "\n" : "")
            } catch {
                FileHandle.standardError.write("gourd: \(error)\n")
                throw ExitCode(error.exitCode)
            }
        }
    }
}
