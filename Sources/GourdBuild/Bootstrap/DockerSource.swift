import GourdCore
import GourdFormats
import GourdRegistry

/// `Bootstrap: docker`, `From: REF`: the image is pulled from its registry into the pull
/// cache (GourdRegistry, in a child process: this one is about to be, or already is, in the
/// build's user namespace and must stay single-threaded), then its layers are applied from
/// the cache exactly as an OCI layout's are (ArchiveApplier: whiteouts, opaque directories,
/// hostile paths), and its config's Env/Entrypoint/Cmd/WorkingDir/Labels become the base's.
enum DockerSource: BootstrapSource {
    static let agents = ["docker"]

    static func localBase(_ bootstrap: Recipe.Bootstrap, directory: String) -> String? { nil }

    static func run(_ bootstrap: Recipe.Bootstrap, with bootstrapper: Bootstrapper) throws(BuildError) -> BaseImage {
        let from = bootstrap.from ?? ""
        let log = bootstrapper.log
        let reference: ImageReference
        do { reference = try ImageReference.parse(from) } catch { throw BuildError(error.description) }
        let cache = ImageCache.fromEnvironment()
        var options = bootstrapper.registry
        options.quiet = options.quiet || log.quiet
        log.step("bootstrap: docker \(reference)")
        let digest: String
        do { digest = try ChildFetch.fetch(reference, puller: Puller(cache: cache, options: options)) } catch {
            throw BuildError(error.description, exitCode: error.exitCode)
        }
        let store = DirectoryStore(path: cache.root, name: reference.description)
        let image = try ArchiveImage.manifest(store, digest: digest)
        log.step("bootstrap: \(reference.name)@\(digest) (\(image.layers.count) layer\(image.layers.count == 1 ? "" : "s"))")
        return try bootstrapper.apply(
            image, from: store, name: reference.description, source: "docker://\(reference.name)",
            digest: digest)
    }
}
