import GourdFormats

/// Which image of a multi-platform index to pull: linux and this host's architecture unless
/// `--arch ARCH[/VARIANT]` says otherwise (as `apptainer pull --arch`, `docker pull --platform`).
public struct PlatformChoice: Sendable, Equatable, CustomStringConvertible {
    public var architecture: String
    public var variant: String?

    public init(architecture: String = OCIImage.hostArchitecture, variant: String? = nil) {
        self.architecture = architecture
        self.variant = variant
    }

    public var description: String { "linux/\(architecture)" + (variant.map { "/" + $0 } ?? "") }

    /// "arm64", "arm64/v8", "linux/arm/v7" (an os other than linux is refused).
    public static func parse(_ text: String) throws(RegistryError) -> PlatformChoice {
        var parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if parts.count >= 2, parts[0] == "linux" { parts.removeFirst() }
        let aliases = ["x86_64": "amd64", "aarch64": "arm64", "armhf": "arm"]
        guard (1...2).contains(parts.count), !parts[0].isEmpty,
            parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x7a).contains($0) } })
        else {
            throw RegistryError("--arch \(text)", "not an architecture (amd64, arm64, arm64/v8, ppc64le, ...)")
        }
        return PlatformChoice(architecture: aliases[parts[0]] ?? parts[0], variant: parts.count == 2 ? parts[1] : nil)
    }

    /// The manifest of an image index to use: linux, this architecture, and the variant when
    /// one was asked for (else the first listed: registries list the preferred one first, and
    /// arm64 images carry "v8" or nothing). Attestation manifests (unknown/unknown) never match.
    public func select(_ index: OCIImage.Index, what: String) throws(RegistryError) -> OCIImage.Descriptor {
        let matching = index.manifests.filter { descriptor in
            guard let platform = descriptor.platform, platform.os == "linux", platform.architecture == architecture else { return false }
            guard let variant else { return true }
            return platform.variant == variant || (platform.variant == nil && architecture == "arm64" && variant == "v8")
        }
        if let first = matching.first { return first }
        let offered = index.manifests.compactMap { $0.platform.map { "\($0.os)/\($0.architecture)" + ($0.variant.map { "/" + $0 } ?? "") } }
            .filter { $0 != "unknown/unknown" }
        throw RegistryError(
            what,
            "no image for \(description) (the index offers: \(offered.isEmpty ? "none" : offered.joined(by: ", "))); choose one with --arch"
        )
    }
}
