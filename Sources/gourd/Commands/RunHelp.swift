import ArgumentParser
import GourdCore
import GourdRuntime

extension Gourd {
    /// `apptainer run-help IMAGE`: the image's %help text.
    struct RunHelp: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run-help", abstract: "Print the image's help text (a recipe's %help).")

        @Argument(help: "The image (squashfs or SIF file).") var image: String

        func run() throws {
            let path = HostFiles().realPath(image) ?? image
            do throws(LaunchError) {
                let inspection = try ImageInspector.inspect(path)
                print(InspectSelection.text(inspection, [.helpfile]) ?? "No help sections were defined for this image")
            } catch {
                FileHandle.standardError.write("gourd: \(error)\n")
                throw ExitCode(error.exitCode)
            }
        }
    }
}
