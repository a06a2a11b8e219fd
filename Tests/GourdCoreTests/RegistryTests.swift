import GourdCore
import GourdFormats
import Testing

/// The pure parts of `gourd pull`: references as Docker normalizes them, WWW-Authenticate
/// challenges, platform choice in an index, and what a manifest endpoint answered.
@Suite struct RegistryTests {
    static let references: [(String, String, String)] = [
        // text, normalized, host
        ("alpine", "docker.io/library/alpine:latest", "registry-1.docker.io"),
        ("docker://alpine:3.20", "docker.io/library/alpine:3.20", "registry-1.docker.io"),
        ("user/repo:tag", "docker.io/user/repo:tag", "registry-1.docker.io"),
        ("docker.io/alpine", "docker.io/library/alpine:latest", "registry-1.docker.io"),
        ("index.docker.io/library/alpine", "docker.io/library/alpine:latest", "registry-1.docker.io"),
        ("localhost/repo", "localhost/repo:latest", "localhost"),
        ("ghcr.io/a/b/c:v1.2-rc_3", "ghcr.io/a/b/c:v1.2-rc_3", "ghcr.io"),
        (
            "host:5000/group/repo@sha256:" + String(repeating: "a", count: 64),
            "host:5000/group/repo@sha256:" + String(repeating: "a", count: 64), "host:5000"
        ),
        (
            "127.0.0.1:5000/r:t@sha256:" + String(repeating: "0", count: 64),
            "127.0.0.1:5000/r:t@sha256:" + String(repeating: "0", count: 64), "127.0.0.1:5000"
        ),
    ]

    @Test(arguments: references)
    func referencesNormalizeAsDocker(text: String, normalized: String, host: String) throws {
        let reference = try ImageReference.parse(text)
        #expect(reference.description == normalized)
        #expect(reference.host == host)
    }

    @Test func referenceParts() throws {
        let pinned = try ImageReference.parse("host:5000/group/repo:tag@sha256:" + String(repeating: "b", count: 64))
        #expect(pinned.reference == "sha256:" + String(repeating: "b", count: 64))
        #expect(pinned.name == "host:5000/group/repo")
        #expect(pinned.defaultFileName == "repo_tag.sqfs")
        #expect(try ImageReference.parse("alpine").defaultFileName == "alpine_latest.sqfs")
        #expect(
            try ImageReference.parse("alpine@sha256:" + String(repeating: "c", count: 64)).defaultFileName == "alpine_cccccccccccc.sqfs")
        #expect(ImageReference.isRemote("docker://x") && ImageReference.isRemote("oras://x") && !ImageReference.isRemote("img.sqfs"))
        #expect(!ImageReference.isRemote("dir/with:colon.sqfs"))
    }

    static let badReferences: [(String, String)] = [
        ("docker://", "no image named"),
        ("oras://x/y:1", "oras:// (OCI artifacts holding SIF files) is not supported"),
        ("library://alpine", "library:// (Sylabs library) is not supported"),
        ("ftp://x", "ftp:// is not supported"),
        ("Alpine", "is not a valid repository name part"),
        ("alpine:bad/tag", "is not a registry host[:port]"),
        ("alpine:-x", "is not a valid tag"),
        ("alpine@sha256:abc", "is not a sha256 digest"),
        ("alpine@md5:" + String(repeating: "a", count: 32), "is not a sha256 digest"),
        ("a//b", "is not a valid repository name part"),
        ("host:99999/x", "is not a registry host[:port]"),
        ("x/" + String(repeating: "a", count: 600), "longer than 512"),
    ]

    @Test(arguments: badReferences)
    func badReferencesAreRefused(text: String, message: String) {
        #expect {
            try ImageReference.parse(text)
        } throws: { error in
            (error as? RegistryError)?.description.contains(message) == true
        }
    }

    @Test func challenges() {
        let bearer = AuthChallenge.parse(
            #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#)
        #expect(
            bearer
                == AuthChallenge(
                    scheme: "bearer",
                    parameters: [
                        "realm": "https://auth.docker.io/token", "service": "registry.docker.io", "scope": "repository:library/alpine:pull",
                    ]))
        #expect(AuthChallenge.parse(#"Basic realm="x \"y\"""#) == AuthChallenge(scheme: "basic", parameters: ["realm": #"x "y""#]))
        #expect(AuthChallenge.parse("Basic") == AuthChallenge(scheme: "basic", parameters: [:]))
        #expect(
            AuthChallenge.parse("Bearer realm=unquoted, error=insufficient_scope")?.parameters == [
                "realm": "unquoted", "error": "insufficient_scope",
            ])
        #expect(AuthChallenge.parse("") == nil)
    }

    static func descriptor(_ arch: String, _ variant: String? = nil, os: String = "linux", n: Character) -> OCIImage.Descriptor {
        OCIImage.Descriptor(
            mediaType: "application/vnd.oci.image.manifest.v1+json", digest: "sha256:" + String(repeating: n, count: 64),
            size: 1, platform: .init(architecture: arch, os: os, variant: variant))
    }

    @Test func platformSelection() throws {
        let index = OCIImage.Index(manifests: [
            Self.descriptor("unknown", os: "unknown", n: "0"), Self.descriptor("amd64", n: "1"), Self.descriptor("arm", "v6", n: "2"),
            Self.descriptor("arm", "v7", n: "3"), Self.descriptor("arm64", "v8", n: "4"), Self.descriptor("amd64", os: "windows", n: "5"),
        ])
        #expect(try PlatformChoice(architecture: "amd64").select(index, what: "x").digest.hasSuffix("1111"))
        #expect(try PlatformChoice.parse("linux/arm/v7").select(index, what: "x").digest.hasSuffix("3333"))
        #expect(try PlatformChoice.parse("arm").select(index, what: "x").digest.hasSuffix("2222"))
        #expect(try PlatformChoice.parse("aarch64").select(index, what: "x").digest.hasSuffix("4444"))
        #expect(try PlatformChoice.parse("arm64/v8").select(index, what: "x").digest.hasSuffix("4444"))
        #expect {
            try PlatformChoice.parse("s390x").select(index, what: "img")
        } throws: { error in
            (error as? RegistryError)?.description
                == "img: no image for linux/s390x (the index offers: linux/amd64, linux/arm/v6, linux/arm/v7, linux/arm64/v8, windows/amd64); choose one with --arch"
        }
        #expect(throws: RegistryError.self) { try PlatformChoice.parse("Linux/AMD64") }
        #expect(throws: RegistryError.self) { try PlatformChoice.parse("a/b/c/d") }
    }

    @Test func manifestKinds() throws {
        let index = #"{"schemaVersion":2,"manifests":[{"digest":"sha256:\#(String(repeating: "a", count: 64))","size":1}]}"#
        if case .index(let decoded) = try RegistryManifest.decode(Array(index.utf8), contentType: nil, what: "x") {
            #expect(decoded.manifests.count == 1)
        } else {
            Issue.record("an index was not read as one")
        }
        let manifest =
            #"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"digest":"sha256:\#(String(repeating: "a", count: 64))","size":1},"layers":[]}"#
        if case .image(let decoded) = try RegistryManifest.decode(
            Array(manifest.utf8), contentType: "application/vnd.docker.distribution.manifest.v2+json", what: "x")
        {
            #expect(decoded.layers.isEmpty)
        } else {
            Issue.record("a manifest was not read as one")
        }
        for (bytes, message) in [
            (#"{"schemaVersion":1,"fsLayers":[]}"#, "Docker schema 1"),
            ("not json", "not valid JSON"),
            (#"{"schemaVersion":2}"#, "neither an image manifest nor an index"),
            (#"{"schemaVersion":2,"layers":[{"size":1}]}"#, "manifest is not valid"),
        ] {
            #expect {
                try RegistryManifest.decode(Array(bytes.utf8), contentType: nil, what: "ref")
            } throws: { error in
                (error as? RegistryError)?.description.contains(message) == true
            }
        }
    }
}
