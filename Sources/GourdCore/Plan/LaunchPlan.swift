/// The fully resolved description of one container launch: every mount, the identity, the
/// environment and the command. Built by `Planner` from flags + host + image; applied once by
/// the runtime's executor. Plain data, so tests check it without privileges and `gourd` can
/// print it.
public struct LaunchPlan: Sendable, Equatable, Codable {
    /// The image file (absolute, symlinks resolved) and the byte offset of its squashfs.
    public var image: ImageLocation
    public var identity: Identity
    /// Applied in order under the image root, after the root itself is mounted read-only.
    public var mounts: [Mount]
    /// Files the launcher writes to its private staging tmpfs and binds (passwd, group).
    public var generatedFiles: [GeneratedFile]
    /// The workload's complete environment, in order.
    public var environment: [EnvironmentVariable]
    public var argv: [String]
    /// The PATH used to find argv[0] inside the container.
    public var searchPath: String
    public var workdir: String
    /// Things the user may want to know (a default bind skipped, and why).
    public var notes: [String]
    /// Problems the user must hear about even without -v (a driver library too new for the
    /// image's glibc).
    public var warnings: [String]
    /// Every device node the container can open, and why it is there.
    public var devices: [DeviceGrant]
    /// How the environment differs from the caller's, and why.
    public var environmentChanges: [EnvironmentChange]
    /// Mount points the image lacks, which gourd's FUSE server adds as empty directories or
    /// files (with any missing parents as directories).
    public var addedMountPoints: [AddedMountPoint]
    /// The site policy file that applied (nil: built-in defaults).
    public var policyFile: String?
    /// What the image passed (policy allow-lists), filled in by the launcher.
    public var imageChecks: [String]
    /// Set when this launch is one of several ranks that share one container on this node.
    public var share: ShareScope?
    /// The FUSE server's threads and cache budget.
    public var serving: ServingPlan = ServingPlan()
    /// Namespaces beyond user, mount and PID (--network none, --hostname, --ipc).
    public var namespaces = ContainerNamespaces()
    /// --writable-tmpfs: an overlay over the image whose writes go to a 64 MiB tmpfs.
    public var writableTmpfs = false
    /// Which mount system calls the kernel has (`gourd plan` fills it in; nil: not asked). A
    /// launch asks the kernel itself, inside its namespaces, and takes a fallback per missing call.
    public var kernel: KernelSupport?
    /// --overlay (and --writable-tmpfs): the overlayfs layers over the image; nil: none.
    public var overlay: OverlayPlan?

    public init(
        image: ImageLocation, identity: Identity, mounts: [Mount], generatedFiles: [GeneratedFile],
        environment: [EnvironmentVariable], argv: [String], searchPath: String, workdir: String,
        notes: [String], warnings: [String] = [], devices: [DeviceGrant] = [],
        environmentChanges: [EnvironmentChange] = [], addedMountPoints: [AddedMountPoint] = [],
        policyFile: String? = nil, imageChecks: [String] = [], share: ShareScope? = nil
    ) {
        self.image = image
        self.identity = identity
        self.mounts = mounts
        self.generatedFiles = generatedFiles
        self.environment = environment
        self.argv = argv
        self.searchPath = searchPath
        self.workdir = workdir
        self.notes = notes
        self.warnings = warnings
        self.devices = devices
        self.environmentChanges = environmentChanges
        self.addedMountPoints = addedMountPoints
        self.policyFile = policyFile
        self.imageChecks = imageChecks
        self.share = share
    }

    public func environmentValue(_ name: String) -> String? {
        environment.last(where: { $0.name == name })?.value
    }

    /// What makes two launches' containers the same, as text: the image, the identity, every
    /// mount, the generated files and the added mount points. Ranks whose fingerprints agree
    /// share one container; argv, environment and workdir stay per rank. Written by hand, not
    /// through Codable: it runs on every rank's launch, and the runtime's conformance lookups
    /// behind JSONEncoder cost more than the rest of the key.
    public var containerFingerprint: String {
        var text = "image \(image.path) \(image.offset)\n"
        text += "identity \(identity.uid) \(identity.gid) \(identity.userName) \(identity.groupName) \(identity.home) \(identity.shell)\n"
        for mount in mounts {
            text += "mount \(mount.destination) \(mount.kind.fingerprint) \(mount.readOnly) \(mount.noSuid) \(mount.noDev)"
            text += " \(mount.noExec) \(mount.recursive) \(mount.optional)\n"
        }
        for file in generatedFiles { text += "file \(file.name) \(file.contents.utf8.count)\n\(file.contents)\n" }
        for point in addedMountPoints { text += "point \(point.path) \(point.isDirectory)\n" }
        return text
    }
}
