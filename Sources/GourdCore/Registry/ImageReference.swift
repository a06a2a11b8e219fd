/// An image reference as Docker users write it (`alpine`, `alpine:3.20`, `user/repo:tag`,
/// `host:5000/group/repo@sha256:...`), normalized as Docker does (distribution/reference's
/// ParseNormalizedNamed): no registry means docker.io, whose one-part names live in
/// `library/`; no tag and no digest means `latest`.
public struct ImageReference: Sendable, Equatable, CustomStringConvertible {
    /// The registry as written ("docker.io", "127.0.0.1:5000").
    public var registry: String
    /// "library/alpine", "group/repo".
    public var repository: String
    public var tag: String?
    /// "sha256:HEX".
    public var digest: String?

    /// Docker Hub's API host: docker.io is only the name (registry-1.docker.io serves /v2/).
    public var host: String { registry == "docker.io" ? "registry-1.docker.io" : registry }

    /// What the registry's manifest endpoint is asked for: the digest when given, else the tag.
    public var reference: String { digest ?? tag ?? "latest" }

    /// "registry/repository" without tag or digest.
    public var name: String { "\(registry)/\(repository)" }

    /// The full normalized form: "docker.io/library/alpine:latest", "host/repo@sha256:...".
    public var description: String {
        var text = name
        if let tag { text += ":" + tag }
        if let digest { text += "@" + digest }
        return text
    }

    /// The same image pinned to `digest` (no tag).
    public func pinned(_ digest: String) -> ImageReference {
        ImageReference(registry: registry, repository: repository, tag: nil, digest: digest)
    }

    /// NAME_TAG.sqfs, as `apptainer pull` names NAME_TAG.sif: the last part of the repository
    /// and the tag (or the digest's first 12 hex digits).
    public var defaultFileName: String {
        let last = repository.split(separator: "/").last.map(String.init) ?? repository
        let suffix = tag ?? digest.map { String($0.split(separator: ":").last?.prefix(12) ?? "") } ?? "latest"
        return "\(last)_\(suffix).sqfs"
    }

    public init(registry: String, repository: String, tag: String?, digest: String?) {
        self.registry = registry
        self.repository = repository
        self.tag = tag
        self.digest = digest
    }

    /// Transports gourd names in messages and refuses (Apptainer's other URI schemes).
    static let unsupportedSchemes = [
        "oras": "oras:// (OCI artifacts holding SIF files) is not supported: pull the SIF file and run it as a local image",
        "library": "library:// (Sylabs library) is not supported: pull the SIF file and run it as a local image",
        "shub": "shub:// (Singularity Hub) is gone and not supported",
        "docker-daemon": "docker-daemon:// is not supported: `docker save -o image.tar NAME` and build with Bootstrap: docker-archive",
        "docker-archive": "docker-archive: is not supported here: build with Bootstrap: docker-archive",
        "http": "http:// is not an image reference: write docker://HOST/REPO:TAG (--nohttps for a plain-HTTP registry)",
        "https": "https:// is not an image reference: write docker://HOST/REPO:TAG",
    ]

    /// True when `text` names a registry image (`docker://...`), as the launch commands tell
    /// images from files; other URI schemes gourd knows are also "registry-like" so that their
    /// error is the clear one from `parse`.
    public static func isRemote(_ text: String) -> Bool {
        guard let (scheme, _) = splitScheme(text) else { return false }
        return scheme == "docker" || unsupportedSchemes[scheme] != nil
    }

    /// Parses `docker://REF` or a bare `REF`. Errors say what is wrong with the text.
    public static func parse(_ text: String) throws(RegistryError) -> ImageReference {
        var rest = Substring(text)
        if let (scheme, after) = splitScheme(text) {
            if scheme != "docker" {
                throw RegistryError(text, unsupportedSchemes[scheme] ?? "\(scheme):// is not supported (only docker://)")
            }
            rest = after
        }
        guard !rest.isEmpty else { throw RegistryError(text, "no image named") }
        guard rest.utf8.count <= 512 else { throw RegistryError(text, "the reference is longer than 512 characters") }
        var digest: String?
        if let at = rest.firstIndex(of: "@") {
            let value = String(rest[rest.index(after: at)...])
            guard isDigest(value) else { throw RegistryError(text, "'\(value)' is not a sha256 digest (sha256: and 64 hex digits)") }
            digest = value
            rest = rest[..<at]
        }
        var parts = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var registry = "docker.io"
        if parts.count > 1, parts[0].contains(".") || parts[0].contains(":") || parts[0] == "localhost" {
            registry = parts.removeFirst()
            guard isRegistry(registry) else { throw RegistryError(text, "'\(registry)' is not a registry host[:port]") }
        }
        var tag: String?
        if let last = parts.last, let colon = last.lastIndex(of: ":") {
            let value = String(last[last.index(after: colon)...])
            guard isTag(value) else { throw RegistryError(text, "'\(value)' is not a valid tag") }
            tag = value
            parts[parts.count - 1] = String(last[..<colon])
        }
        if registry == "index.docker.io" { registry = "docker.io" }
        if registry == "docker.io", parts.count == 1 { parts.insert("library", at: 0) }
        for part in parts where !isPathComponent(part) {
            throw RegistryError(text, "'\(part)' is not a valid repository name part (lowercase letters, digits and . _ -)")
        }
        if tag == nil, digest == nil { tag = "latest" }
        return ImageReference(registry: registry, repository: parts.joined(by: "/"), tag: tag, digest: digest)
    }

    /// "SCHEME://REST" -> (SCHEME, REST), for schemes of letters, digits and '-'.
    static func splitScheme(_ text: String) -> (String, Substring)? {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let scheme = text[..<colon]
        guard !scheme.isEmpty, scheme.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }),
            text[colon...].hasPrefix("://")
        else { return nil }
        return (String(scheme), text[text.index(colon, offsetBy: 3)...])
    }

    public static func isDigest(_ value: String) -> Bool {
        guard value.hasPrefix("sha256:") else { return false }
        let hex = value.utf8.dropFirst(7)
        return hex.count == 64 && hex.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// [A-Za-z0-9_][A-Za-z0-9_.-]{0,127} (distribution/reference's tag grammar).
    static func isTag(_ value: String) -> Bool {
        guard let first = value.utf8.first, value.utf8.count <= 128 else { return false }
        func word(_ c: UInt8) -> Bool { (0x30...0x39).contains(c) || (0x41...0x5a).contains(c) || (0x61...0x7a).contains(c) || c == 0x5f }
        return word(first) && value.utf8.allSatisfy { word($0) || $0 == 0x2e || $0 == 0x2d }
    }

    /// Lowercase alphanumerics separated by ".", "_", "__" or dashes.
    static func isPathComponent(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard let first = bytes.first, let last = bytes.last else { return false }
        func alnum(_ c: UInt8) -> Bool { (0x30...0x39).contains(c) || (0x61...0x7a).contains(c) }
        return alnum(first) && alnum(last) && bytes.allSatisfy { alnum($0) || $0 == 0x2e || $0 == 0x5f || $0 == 0x2d }
            && !value.contains("..") && !value.contains("___")
    }

    /// host[:port] with a DNS name or an IPv4 address (no user info, no path).
    static func isRegistry(_ value: String) -> Bool {
        let pieces = value.split(separator: ":", omittingEmptySubsequences: false)
        guard pieces.count <= 2, let host = pieces.first, !host.isEmpty else { return false }
        if pieces.count == 2 {
            guard let port = Int(pieces[1]), (1...65535).contains(port) else { return false }
        }
        return host.utf8.allSatisfy {
            (0x30...0x39).contains($0) || (0x61...0x7a).contains($0) || (0x41...0x5a).contains($0) || $0 == 0x2e || $0 == 0x2d
        }
    }
}
