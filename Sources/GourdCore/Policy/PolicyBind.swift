/// One `[[bind]]` entry. Paths may hold variables ($USER, ${TMPDIR}...), expanded per launch.
public struct PolicyBind: Sendable, Equatable, Codable {
    public var source: String
    /// Defaults to the expanded source.
    public var destination: String?
    public var readOnly: Bool
    /// Required binds fail the launch when the source or the destination is missing;
    /// optional ones are skipped with a note.
    public var required: Bool
    public var origin: PolicyOrigin

    public init(
        source: String, destination: String? = nil, readOnly: Bool = false, required: Bool = false,
        origin: PolicyOrigin
    ) {
        self.source = source
        self.destination = destination
        self.readOnly = readOnly
        self.required = required
        self.origin = origin
    }
}
