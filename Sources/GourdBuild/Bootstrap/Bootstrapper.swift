import CGourdBuild
import CGourdImage
import Glibc
import GourdCore
import GourdFormats
import GourdRegistry
import GourdRuntime

/// Fills the empty root from the recipe's base (`Bootstrap:` agent) and says what the base
/// brings along (run settings, labels, provenance).
struct Bootstrapper {
    let recipe: Recipe
    let recipeDirectory: String
    let workspace: BuildWorkspace
    let log: BuildLog
    let signals: BuildSignals
    /// How `Bootstrap: docker` reaches registries.
    var registry = PullOptions()

    var writer: RootWriter { RootWriter(rootFD: workspace.rootFD) }

    /// A path from the recipe, relative to the recipe's directory.
    static func resolve(_ path: String, directory: String) -> String {
        path.hasPrefix("/") ? path : directory + "/" + path
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// The sources gourd provides, one file each; every name of `BootstrapAgent.all` is
    /// served by one of them (a test checks it).
    static let sources: [any BootstrapSource.Type] = [
        ScratchSource.self, LocalImageSource.self, ArchiveSource.self, DebootstrapSource.self, DockerSource.self,
    ]

    /// The agent names each source serves, in `sources` order.
    static var servedAgents: [[String]] { sources.map { $0.agents } }

    static func source(for agent: String) -> (any BootstrapSource.Type)? {
        sources.first { $0.agents.contains(agent) }
    }

    /// Checks, before any work, that the base named in the recipe exists.
    static func check(_ recipe: Recipe, directory: String) throws(BuildError) {
        guard let source = source(for: recipe.bootstrap.agent),
            let from = source.localBase(recipe.bootstrap, directory: directory)
        else { return }
        guard exists(resolve(from, directory: directory)) else {
            throw .at(
                recipe, line: recipe.bootstrapLine,
                "Bootstrap: \(recipe.bootstrap.agent): \(from): no such file (relative paths start at \(directory))")
        }
    }

    func run() throws(BuildError) -> BaseImage {
        guard let source = Self.source(for: recipe.bootstrap.agent) else {
            throw .at(recipe, line: recipe.bootstrapLine, "Bootstrap: \(recipe.bootstrap.agent): no source for this agent")
        }
        do {
            return try source.run(recipe.bootstrap, with: self)
        } catch {
            // Interruptions and system errors keep their own text; base problems point at the header.
            if error.exitCode != GourdExit.launchFailed { throw error }
            throw .at(recipe, line: recipe.bootstrapLine, "Bootstrap: \(recipe.bootstrap.agent): \(error.message)")
        }
    }
}
