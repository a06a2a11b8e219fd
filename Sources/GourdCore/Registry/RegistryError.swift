/// Why a pull failed, as the one line gourd prints: "REFERENCE: cause".
public struct RegistryError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reference: String
    public var cause: String
    /// 125 (gourd failed), or 128 + N when signal N interrupted the pull.
    public var exitCode: Int32

    public init(_ reference: String, _ cause: String, exitCode: Int32 = GourdExit.launchFailed) {
        self.reference = reference
        self.cause = cause
        self.exitCode = exitCode
    }

    public var description: String { cause.isEmpty ? reference : "\(reference): \(cause)" }
}
