import CGourdBuild
import Glibc
import GourdCore
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

    public init(output: String, recipe: String, compression: String = "zstd", force: Bool = false,
                quiet: Bool = false, gourdVersion: String) {
        self.output = output
        self.recipe = recipe
        self.compression = compression
        self.force = force
        self.quiet = quiet
        self.gourdVersion = gourdVersion
    }
}
