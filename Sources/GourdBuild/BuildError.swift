import CGourdBuild
import Glibc
import GourdCore
import GourdRuntime
import SystemPackage

/// Everything that stops `gourd build`, as the one line gourd prints after "gourd: ".
public struct BuildError: Error, CustomStringConvertible {
    public var message: String
    /// 125 for a failed build; 128 + N when signal N interrupted it.
    public var exitCode: Int32

    public init(_ message: String, exitCode: Int32 = GourdExit.launchFailed) {
        self.message = message
        self.exitCode = exitCode
    }

    public var description: String { message }

    /// A problem tied to a line of the recipe: "FILE:LINE: message".
    static func at(_ recipe: Recipe, line: Int, _ message: String) -> BuildError {
        BuildError(RecipeError(file: recipe.file, line: line, message).description)
    }

    static func recipe(_ error: RecipeError) -> BuildError { BuildError(error.description) }

    static func system(_ operation: String, path: String? = nil, errno code: Int32) -> BuildError {
        BuildError(SystemError(operation, path: path, errno: Errno(rawValue: code)).description)
    }

    /// From a C wrapper's negative errno.
    static func system(_ operation: String, path: String? = nil, result: Int32) -> BuildError {
        system(operation, path: path, errno: -result)
    }

    static func interrupted(_ signal: Int32) -> BuildError {
        let name = [SIGINT: "SIGINT", SIGTERM: "SIGTERM", SIGHUP: "SIGHUP", SIGQUIT: "SIGQUIT"][signal] ?? "signal \(signal)"
        return BuildError("build interrupted by \(name): nothing was written", exitCode: GourdExit.signaled(signal))
    }

    /// What a child reported before exec (step, errno).
    static func child(_ failure: gb_failure, what: String) -> BuildError {
        let step = String(cString: gb_step_name(failure.step))
        return BuildError("\(what): \(step): \(Errno(rawValue: failure.err).description)")
    }
}
