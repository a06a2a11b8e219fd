import ArgumentParser

extension Gourd {
    struct Exec: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run COMMAND inside the image.")

        @OptionGroup var options: LaunchOptions
        @Argument(help: "The squashfs image.") var image: String
        @Argument(parsing: .captureForPassthrough, help: "The command and its arguments.") var command: [String] = []

        func validate() throws {
            if command.isEmpty { throw ValidationError("missing COMMAND after the image") }
        }

        var invocation: LaunchInvocation { options.invocation(image: image, mode: .exec(command)) }

        func run() throws { throw ExitCode(invocation.launch()) }
    }
}
