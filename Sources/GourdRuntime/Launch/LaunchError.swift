import CGourdLaunch
import GourdCore
import SystemPackage

/// Everything that stops a launch, each with the exit status gourd reports.
public enum LaunchError: Error, CustomStringConvertible {
    /// The image file cannot be used (missing, not squashfs, truncated, corrupt...).
    case image(path: String, reason: String)
    case plan(PlanError)
    /// The site policy file cannot be used.
    case policy(PolicyError)
    /// A launcher-side system call failed; `hint` says what to do (e.g. run gourd check).
    case system(SystemError, hint: String?)
    /// gourd runs with privileges it must not have (setuid, setgid, file capabilities).
    case privileged(String)
    /// A GOURD_* environment setting has an unusable value.
    case setting(name: String, value: String, reason: String)
    /// The container side failed before exec at `step`, e.g. a mount.
    case container(step: String, errno: Errno, detail: String?)
    /// The server of a shared container failed to set it up (its own message).
    case shared(String)
    case commandNotFound(String)
    case cannotExecute(String, Errno)

    public var exitCode: Int32 {
        switch self {
        case .commandNotFound: return GourdExit.notFound
        case .cannotExecute: return GourdExit.cannotExecute
        default: return GourdExit.launchFailed
        }
    }

    public var description: String {
        switch self {
        case let .image(path, reason):
            return "image \(path): \(reason)"
        case let .plan(error):
            return error.description
        case let .policy(error):
            return error.description + " (gourd refuses to run without a valid site policy)"
        case let .system(error, hint):
            return error.description + (hint.map { " (\($0))" } ?? "")
        case let .privileged(why):
            return "refusing to run: \(why); gourd needs no privileges, install it without setuid, setgid or file capabilities"
        case let .setting(name, value, reason):
            return "\(name)=\(value): \(reason)"
        case let .container(step, errno, detail):
            return "\(step)\(detail.map { " \($0)" } ?? ""): \(errno.description)"
        case let .shared(message):
            return "shared container: " + message
        case let .commandNotFound(command):
            return "\(command): command not found in the image"
        case let .cannotExecute(command, errno):
            return "\(command): cannot execute: \(errno.description)"
        }
    }
}
