import ArgumentParser
import GourdBuild
import GourdCore
import GourdRuntime

extension Gourd {
    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build a squashfs image from a recipe (Apptainer definition-file syntax), unprivileged.",
            discussion: """
                Bootstrap agents: \(BootstrapAgent.names). \
                Sections: %files, %post, %environment, %runscript, %labels, %help, %test. \
                %post runs in the image as root mapped onto you, with the host's network; chown and \
                setuid-family calls succeed there without effect (files stay yours; the image records \
                every file as root's). Timestamps are SOURCE_DATE_EPOCH, else the recipe's mtime: \
                the same recipe and inputs give a byte-identical image. Exit status: 0, 125 when the \
                build failed, 128+N when signal N interrupted it; OUTPUT is then left as it was.
                """)

        @Option(name: .customLong("compression"), help: "mksquashfs compression: zstd, gzip, xz, lz4 or lzo.")
        var compression = "zstd"
        @Flag(name: .customLong("force"), help: "Replace OUTPUT if it exists.")
        var force = false
        @Flag(name: [.customShort("q"), .customLong("quiet")], help: "Print only warnings and errors.")
        var quiet = false
        @Argument(help: "The image to write (a squashfs file).") var output: String
        @Argument(help: "The recipe (definition file).") var recipe: String

        func run() throws {
            let request = BuildRequest(
                output: output, recipe: recipe, compression: compression, force: force,
                quiet: quiet, gourdVersion: Gourd.version)
            do throws(BuildError) {
                try BuildRunner.run(request)
            } catch {
                FileHandle.standardError.write("gourd: \(error)\n")
                throw ExitCode(error.exitCode)
            }
        }
    }
}
