import ArgumentParser
import GourdCore

extension Gourd {
    struct Shell: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start an interactive shell inside the image.")

        @OptionGroup var options: LaunchOptions
        @Option(name: .long, help: "The shell to run (default: /bin/bash if the image has it, else /bin/sh).")
        var shell: String?
        @Argument(help: "The squashfs image.") var image: String

        func run() throws {
            try options.launch(image: image, mode: .shell(shell))
        }
    }
}
