import GourdCore

/// One bootstrap agent's work in a build: fill the empty root from the base the recipe names
/// and say what that base brings along. Each source is its own file; `Bootstrapper.sources`
/// lists them.
protocol BootstrapSource {
    /// The agent names (`BootstrapAgent.name`) this source serves.
    static var agents: [String] { get }
    /// The local file or directory the base must be (as written, relative to the recipe's
    /// directory), checked before any work; nil when the base is not a local path.
    static func localBase(_ bootstrap: Recipe.Bootstrap, directory: String) -> String?
    /// Fills the root through `bootstrapper` (workspace, writer, log, signals).
    static func run(_ bootstrap: Recipe.Bootstrap, with bootstrapper: Bootstrapper) throws(BuildError) -> BaseImage
}
