import GourdFormats

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What a registry's manifest endpoint returned: an image index (manifest list) or an image
/// manifest, in Docker schema 2 or OCI media types (Docker schema 1 is refused: it has no
/// config digest and Docker itself dropped it).
public enum RegistryManifest: Sendable, Equatable {
    case index(OCIImage.Index)
    case image(OCIImage.Manifest)

    /// What a pull sends as Accept.
    public static let accepted = [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]

    /// The most a manifest or index may weigh (the distribution spec suggests registries
    /// accept at least 4 MiB).
    public static let sizeLimit = 4 << 20

    private struct Probe: Decodable {
        var schemaVersion: Int?
        var mediaType: String?
        var manifests: [OCIImage.Descriptor]?
        var layers: [OCIImage.Descriptor]?
    }

    /// Decodes `bytes` served with Content-Type `contentType` (which may be nil or generic).
    public static func decode(_ bytes: [UInt8], contentType: String?, what: String) throws(RegistryError) -> RegistryManifest {
        let probe: Probe
        do { probe = try JSONDecoder().decode(Probe.self, from: Data(bytes)) } catch {
            throw RegistryError(what, "the manifest is not valid JSON")
        }
        let type = probe.mediaType ?? contentType.map { String($0.split(separator: ";")[0]).trimmingSpaces } ?? ""
        if probe.schemaVersion == 1 || type.hasPrefix("application/vnd.docker.distribution.manifest.v1") {
            throw RegistryError(
                what,
                "the registry serves a Docker schema 1 manifest, which gourd does not read (push the image again with a current client)")
        }
        do {
            if probe.manifests != nil || type.hasSuffix("index.v1+json") || type.hasSuffix("manifest.list.v2+json") {
                return .index(try OCIImage.decode(OCIImage.Index.self, bytes, what: "index"))
            }
            if probe.layers != nil {
                return .image(try OCIImage.decode(OCIImage.Manifest.self, bytes, what: "manifest"))
            }
        } catch {
            throw RegistryError(what, error.message)
        }
        throw RegistryError(what, "the registry's answer is neither an image manifest nor an index (media type '\(type)')")
    }
}
