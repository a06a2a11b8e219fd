/// `[warm]`: the site's default for warm launches: `linger = SECONDS` (1 to 3600) or
/// `linger = "off"` (every launch cold unless the user asks with --warm or GOURD_WARM).
public struct WarmPolicy: Sendable, Equatable, Codable {
    /// nil: not set; 0: off.
    public var lingerSeconds: Int?
    public var origin: PolicyOrigin?

    public init(lingerSeconds: Int? = nil, origin: PolicyOrigin? = nil) {
        self.lingerSeconds = lingerSeconds
        self.origin = origin
    }
}
