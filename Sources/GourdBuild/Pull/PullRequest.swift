import GourdRegistry

/// What `gourd pull` was asked.
public struct PullRequest: Sendable {
    /// `docker://REF` (or a bare REF).
    public var reference: String
    /// Where to copy the image; nil: NAME_TAG.sqfs in the current directory; ignored with
    /// `cacheOnly`.
    public var output: String?
    /// Replace OUTPUT if it exists.
    public var force = false
    /// Only fill the cache (what `gourd exec docker://` asks for).
    public var cacheOnly = false
    public var options = PullOptions()
    public var gourdVersion: String

    public init(reference: String, output: String?, gourdVersion: String) {
        self.reference = reference
        self.output = output
        self.gourdVersion = gourdVersion
    }
}
