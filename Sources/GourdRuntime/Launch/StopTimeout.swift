import Glibc

/// How long processes the workload leaves running get between SIGTERM and SIGKILL once it has
/// exited (`docker stop`'s grace period): GOURD_STOP_TIMEOUT seconds, default 5; 0 kills them
/// at once.
public enum StopTimeout {
    public static let variable = "GOURD_STOP_TIMEOUT"
    public static let defaultSeconds = 5.0
    /// An hour: beyond that a scheduler's own time limit is the better tool.
    static let maximumSeconds = 3600.0

    /// The grace in milliseconds, from the environment.
    public static func milliseconds() throws(LaunchError) -> Int32 {
        guard let raw = getenv(variable) else { return Int32(defaultSeconds * 1000) }
        return try parse(String(cString: raw))
    }

    static func parse(_ value: String) throws(LaunchError) -> Int32 {
        if value.isEmpty { return Int32(defaultSeconds * 1000) }
        guard let seconds = Double(value), seconds.isFinite, (0...maximumSeconds).contains(seconds) else {
            throw .setting(
                name: variable, value: value,
                reason: "not a number of seconds from 0 to \(Int(maximumSeconds)) (e.g. 5 or 0.5)")
        }
        return Int32((seconds * 1000).rounded())
    }
}
