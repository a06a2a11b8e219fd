#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The JSON documents of OCI image layouts (image-spec: image-layout.md, image-index.md,
/// manifest.md, config.md) and of `docker save` archives (manifest.json), and the choices
/// made from them: which image, which layers, which digests. Pure: the runtime reads the
/// bytes and hands them here.
public enum OCIImage {
    public struct Platform: Codable, Sendable, Equatable {
        public var architecture: String
        public var os: String
        public var variant: String?
        public init(architecture: String, os: String, variant: String? = nil) {
            self.architecture = architecture
            self.os = os
            self.variant = variant
        }
    }

    public struct Descriptor: Codable, Sendable, Equatable {
        public var mediaType: String?
        public var digest: String
        public var size: Int64?
        public var annotations: [String: String]?
        public var platform: Platform?
        public init(
            mediaType: String?, digest: String, size: Int64?, annotations: [String: String]? = nil,
            platform: Platform? = nil
        ) {
            self.mediaType = mediaType
            self.digest = digest
            self.size = size
            self.annotations = annotations
            self.platform = platform
        }
    }

    /// index.json, or an image index blob.
    public struct Index: Codable, Sendable, Equatable {
        public var schemaVersion: Int?
        public var manifests: [Descriptor]
        public init(schemaVersion: Int? = 2, manifests: [Descriptor]) {
            self.schemaVersion = schemaVersion
            self.manifests = manifests
        }
    }

    public struct Manifest: Codable, Sendable, Equatable {
        public var schemaVersion: Int?
        public var mediaType: String?
        public var config: Descriptor
        public var layers: [Descriptor]
    }

    /// One image of a `docker save` manifest.json (its keys are capitalized, as Docker writes
    /// them).
    public struct DockerImage: Codable, Sendable, Equatable {
        public var config: String
        public var repoTags: [String]?
        public var layers: [String]

        enum CodingKeys: String, CodingKey {
            case config = "Config"
            case repoTags = "RepoTags"
            case layers = "Layers"
        }

        public init(config: String, repoTags: [String]?, layers: [String]) {
            self.config = config
            self.repoTags = repoTags
            self.layers = layers
        }
    }

    /// The image configuration (config.md): what `docker run` uses, and the layers' digests.
    public struct Config: Codable, Sendable, Equatable {
        /// The run settings (`config` in the JSON, capitalized keys as the spec writes them).
        public struct Settings: Codable, Sendable, Equatable {
            public var env: [String]?
            public var entrypoint: [String]?
            public var cmd: [String]?
            public var workingDir: String?
            public var labels: [String: String]?

            enum CodingKeys: String, CodingKey {
                case env = "Env"
                case entrypoint = "Entrypoint"
                case cmd = "Cmd"
                case workingDir = "WorkingDir"
                case labels = "Labels"
            }
        }
        public struct RootFS: Codable, Sendable, Equatable {
            public var type: String?
            public var diffIDs: [String]?

            enum CodingKeys: String, CodingKey {
                case type
                case diffIDs = "diff_ids"
            }
        }
        public var architecture: String?
        public var os: String?
        public var config: Settings?
        public var rootfs: RootFS?
    }

    static let refAnnotation = "org.opencontainers.image.ref.name"
    static let indexTypes: Set<String> = [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ]

    /// The host's architecture as OCI names it (GOARCH).
    public static var hostArchitecture: String {
        #if arch(x86_64)
            return "amd64"
        #elseif arch(arm64)
            return "arm64"
        #elseif arch(powerpc64le)
            return "ppc64le"
        #else
            return "unknown"
        #endif
    }

    public static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], what: String) throws(ArchiveError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            throw ArchiveError("\(what) is not valid: \(error)")
        }
    }

    /// "sha256:HEX" -> "blobs/sha256/HEX". The digest becomes a path, so only the algorithms
    /// the image spec registers, with hex of exactly their length, are accepted.
    public static func blobPath(_ digest: String) throws(ArchiveError) -> String {
        let parts = digest.split(separator: ":", maxSplits: 1).map(String.init)
        let lengths = ["sha256": 64, "sha512": 128]
        guard parts.count == 2, let length = lengths[parts[0]], parts[1].utf8.count == length,
            parts[1].utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else {
            throw ArchiveError("'\(digest)' is not a sha256 or sha512 digest")
        }
        return "blobs/\(parts[0])/\(parts[1])"
    }

    /// Is this descriptor an index (a list of manifests) rather than an image manifest?
    public static func isIndex(_ descriptor: Descriptor) -> Bool {
        indexTypes.contains(descriptor.mediaType ?? "")
    }

    /// Picks the manifest of `index` to build from: the one whose ref.name annotation is
    /// `ref` when given; else the only one; else the one for this host's platform.
    public static func select(
        _ index: Index, ref: String?, architecture: String = hostArchitecture,
        what: String
    ) throws(ArchiveError) -> Descriptor {
        var candidates = index.manifests
        if let ref {
            candidates = candidates.filter { $0.annotations?[refAnnotation] == ref }
            guard !candidates.isEmpty else {
                let known = index.manifests.compactMap { $0.annotations?[refAnnotation] }
                throw ArchiveError(
                    "\(what) has no image named '\(ref)'\(known.isEmpty ? "" : " (it has: \(known.joined(by: ", ")))")")
            }
        }
        guard !candidates.isEmpty else { throw ArchiveError("\(what) lists no manifests") }
        if candidates.count == 1 { return candidates[0] }
        let matching = candidates.filter { $0.platform.map { $0.os == "linux" && $0.architecture == architecture } ?? false }
        if matching.count >= 1 { return matching[0] }
        throw ArchiveError("\(what) holds \(candidates.count) images and none for linux/\(architecture): name one as From: PATH:REF")
    }

    /// Picks the image of a `docker save` archive: the one tagged `ref` (REPO:TAG, or a bare
    /// REPO meaning REPO:latest) when given, else the only one.
    public static func select(_ images: [DockerImage], ref: String?, what: String) throws(ArchiveError) -> DockerImage {
        guard !images.isEmpty else { throw ArchiveError("\(what) lists no images") }
        guard let ref else {
            guard images.count == 1 else {
                let tags = images.flatMap { $0.repoTags ?? [] }
                throw ArchiveError(
                    "\(what) holds \(images.count) images: name one as From: PATH:REPO:TAG (\(tags.joined(by: ", ")))")
            }
            return images[0]
        }
        let wanted = ref.contains(":") ? ref : ref + ":latest"
        let alternatives = [wanted, "docker.io/" + wanted, "docker.io/library/" + wanted]
        guard let image = images.first(where: { ($0.repoTags ?? []).contains(where: alternatives.contains) }) else {
            throw ArchiveError("\(what) has no image tagged '\(ref)'")
        }
        return image
    }

    /// Splits `From: PATH[:REF]` as Apptainer does for archives: the longest prefix up to a
    /// ':' that names an existing file wins, so paths containing ':' still work.
    public static func splitReference(_ from: String, exists: (String) -> Bool) -> (path: String, ref: String?) {
        if exists(from) { return (from, nil) }
        var index = from.startIndex
        while let colon = from[index...].firstIndex(of: ":") {
            let path = String(from[..<colon])
            if !path.isEmpty, exists(path) {
                let ref = String(from[from.index(after: colon)...])
                return (path, ref.isEmpty ? nil : ref)
            }
            index = from.index(after: colon)
        }
        return (from, nil)
    }
}
