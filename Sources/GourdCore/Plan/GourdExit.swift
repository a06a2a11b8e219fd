/// Exit statuses of `gourd`, shared by the CLI, the README and the tests.
/// Otherwise gourd exits with the workload's own status.
public enum GourdExit {
    /// gourd failed before the workload started: bad flag, unusable image, host not capable.
    public static let launchFailed: Int32 = 125
    /// The command exists in the image but cannot be executed.
    public static let cannotExecute: Int32 = 126
    /// The command was not found in the image.
    public static let notFound: Int32 = 127
    /// The workload died of signal N: 128 + N.
    public static func signaled(_ signal: Int32) -> Int32 { 128 + signal }
}
