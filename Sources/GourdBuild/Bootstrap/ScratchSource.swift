import GourdCore

/// `Bootstrap: scratch`: an empty root, filled by %files (and %post, if a shell arrives that way).
enum ScratchSource: BootstrapSource {
    static let agents = ["scratch"]

    static func localBase(_ bootstrap: Recipe.Bootstrap, directory: String) -> String? { nil }

    static func run(_ bootstrap: Recipe.Bootstrap, with bootstrapper: Bootstrapper) throws(BuildError) -> BaseImage {
        bootstrapper.log.step("bootstrap: scratch (an empty root)")
        return BaseImage()
    }
}
