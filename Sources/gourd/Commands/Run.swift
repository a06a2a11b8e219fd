import ArgumentParser

extension Gourd {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the image's runscript (Apptainer), entrypoint/cmd or runscript (gourd metadata), else /bin/sh.")

        @OptionGroup var options: LaunchOptions
        @Argument(help: "The squashfs image.") var image: String
        @Argument(parsing: .captureForPassthrough, help: "Arguments for the runscript.") var arguments: [String] = []

        var invocation: LaunchInvocation { options.invocation(image: image, mode: .run(arguments)) }

        func run() throws { throw ExitCode(invocation.launch()) }
    }
}
