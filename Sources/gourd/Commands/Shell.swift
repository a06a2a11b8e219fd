import ArgumentParser

extension Gourd {
    struct Shell: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start an interactive shell inside the image.")

        @OptionGroup var options: LaunchOptions
        @Option(name: .customLong("shell"), help: "The shell to run (default: /bin/bash if the image has it, else /bin/sh).")
        var shell: String?
        @Argument(help: "The squashfs image.") var image: String

        var invocation: LaunchInvocation { options.invocation(image: image, mode: .shell(shell)) }

        func run() throws { throw ExitCode(invocation.launch()) }
    }
}
