import GourdCore

/// `Bootstrap: debootstrap`: a Debian-family base made by the host's debootstrap inside the
/// build's namespaces (`Debootstrapper`).
enum DebootstrapSource: BootstrapSource {
    static let agents = ["debootstrap"]

    static func localBase(_ bootstrap: Recipe.Bootstrap, directory: String) -> String? { nil }

    static func run(_ bootstrap: Recipe.Bootstrap, with bootstrapper: Bootstrapper) throws(BuildError) -> BaseImage {
        try Debootstrapper(bootstrapper: bootstrapper).run(
            suite: bootstrap.values["osversion"] ?? "",
            mirror: bootstrap.values["mirrorurl"] ?? "",
            include: bootstrap.list("include"))
    }
}
