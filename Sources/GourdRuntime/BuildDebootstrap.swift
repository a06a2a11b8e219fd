import CGourdBuild
import Glibc
import GourdCore

/// `Bootstrap: debootstrap`: a Debian-family base made by the host's debootstrap.
struct Debootstrapper {
    let bootstrapper: Bootstrapper

    func run(suite: String, mirror: String, include: [String]) throws(BuildError) -> BaseImage {
        guard Packer.find("debootstrap") != nil else {
            throw BuildError("debootstrap is not installed on this host (apt-get install debootstrap), or start from a local image")
        }
        throw BuildError("not supported yet")
    }
}
