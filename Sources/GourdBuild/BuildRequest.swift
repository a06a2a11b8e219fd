import CGourdBuild
import Glibc
import GourdCore
import GourdRegistry
import GourdRuntime

/// What `gourd build` was asked.
public struct BuildRequest: Sendable {
    public var output: String
    public var recipe: String
    /// mksquashfs -comp: zstd (default), gzip, xz, lz4, lzo.
    public var compression: String
    /// Replace an existing OUTPUT.
    public var force: Bool
    public var quiet: Bool
    public var gourdVersion: String
    /// How `Bootstrap: docker` reaches registries (--arch, --insecure, --nohttps).
    public var registry = PullOptions()
    /// The recipe's text when it is not a file (`gourd pull` builds from a generated one);
    /// `recipe` then only names it in messages.
    public var recipeText: String?
    /// The timestamps of every file and of the image (else SOURCE_DATE_EPOCH or the recipe's
    /// modification time).
    public var buildTime: Int64?

    public init(
        output: String, recipe: String, compression: String = "zstd", force: Bool = false,
        quiet: Bool = false, gourdVersion: String
    ) {
        self.output = output
        self.recipe = recipe
        self.compression = compression
        self.force = force
        self.quiet = quiet
        self.gourdVersion = gourdVersion
    }
}
