/// A bootstrap agent gourd provides, as recipes name it: the header keys it reads, those it
/// requires (with what to write), and those it accepts but ignores. `all` is the one list: the
/// recipe parser, its messages and `gourd build --help` follow it, and GourdBuild runs each
/// agent by name (`Bootstrapper.sources`). Adding an agent: an entry here and its source file
/// in GourdBuild/Bootstrap/.
public struct BootstrapAgent: Sendable {
    public struct Requirement: Sendable {
        /// The header key, lowercased.
        public let key: String
        /// What to write, for the error when it is missing ("From: a `docker save` tarball").
        public let hint: String
    }

    public let name: String
    public let required: [Requirement]
    public let optional: Set<String>
    /// Keys Apptainer uses that gourd accepts but does not act on (a warning says so).
    public let ignored: Set<String>

    /// Every key the agent reads besides `bootstrap`.
    public var keys: Set<String> { Set(required.map(\.key)).union(optional).union(ignored) }

    public static let all: [BootstrapAgent] = [
        BootstrapAgent(name: "scratch", required: [], optional: [], ignored: []),
        BootstrapAgent(
            name: "localimage", required: [.init(key: "from", hint: "From: the squashfs or SIF image to start from")],
            optional: [], ignored: []),
        BootstrapAgent(
            name: "docker-archive", required: [.init(key: "from", hint: "From: a `docker save` tarball")],
            optional: [], ignored: ["includecmd"]),
        BootstrapAgent(
            name: "oci-archive", required: [.init(key: "from", hint: "From: an OCI image-layout tarball")],
            optional: [], ignored: ["includecmd"]),
        BootstrapAgent(
            name: "oci", required: [.init(key: "from", hint: "From: an OCI image-layout directory")],
            optional: [], ignored: ["includecmd"]),
        BootstrapAgent(
            name: "docker", required: [.init(key: "from", hint: "From: an image reference such as debian:12 or host:5000/repo@sha256:...")],
            optional: [], ignored: ["includecmd"]),
        BootstrapAgent(
            name: "debootstrap",
            required: [
                .init(key: "osversion", hint: "OSVersion: the suite, e.g. bookworm"),
                .init(key: "mirrorurl", hint: "MirrorURL: e.g. http://deb.debian.org/debian"),
            ],
            optional: ["include"], ignored: []),
    ]

    public static func named(_ name: String) -> BootstrapAgent? { all.first { $0.name == name } }

    /// "scratch, localimage, ..." for messages and help.
    public static var names: String { all.map(\.name).joined(by: ", ") }
}
