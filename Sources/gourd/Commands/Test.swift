import ArgumentParser
import GourdCore

extension Gourd {
    /// `apptainer test IMAGE`: the image's %test script, run like `exec` (with its environment).
    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the image's test script (/.singularity.d/test, from a recipe's %test); no script: say so, exit 0.")

        @OptionGroup var options: LaunchOptions
        @Argument(help: "The squashfs image.") var image: String

        /// Decided inside the container, where the script's presence is known: Apptainer only
        /// says there is none and succeeds.
        static let script =
            "if [ -e \(ApptainerLayout.test) ]; then exec \(ApptainerLayout.test) \"$@\"; fi; "
            + "echo 'gourd: no test script in the image (\(ApptainerLayout.test))' >&2"

        var invocation: LaunchInvocation {
            options.invocation(image: image, mode: .exec(["/bin/sh", "-c", Self.script, "test"]))
        }

        func run() throws { throw ExitCode(invocation.launch()) }
    }
}
