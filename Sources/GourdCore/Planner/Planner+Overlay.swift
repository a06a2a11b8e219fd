/// `--overlay PATH[:ro|:rw]` (repeatable, also `APPTAINER_OVERLAY=a,b`) and `--writable-tmpfs`:
/// the overlay layers over the image root, checked on the host before anything is mounted.
/// Apptainer's meaning (its "Persistent Overlays" guide): a directory is a writable overlay
/// whose changes go to DIR/upper (DIR/work is overlayfs' scratch); `:ro` makes it a read-only
/// layer (DIR/upper when DIR holds one, so an overlay written earlier can be reused read-only);
/// a squashfs image is always a read-only layer; at most one overlay is writable.
extension Planner {
    /// File system types (statfs(2) f_type) that cannot hold an overlay's upper layer, and
    /// those that cannot be a lower layer either: the list Apptainer checks
    /// (internal/pkg/util/fs/overlay: NFS, FUSE, eCryptfs, Lustre, GPFS, PanFS), plus procfs and
    /// sysfs; overlayfs(5) needs user.* xattrs, RENAME_WHITEOUT and d_type in an upper layer,
    /// and stable dentries in every layer.
    static let noUpperFileSystems: [UInt64: String] = [
        0x6969: "NFS", 0x6573_5546: "FUSE", 0xF15F: "eCryptfs", 0x0BD0_0BD0: "Lustre", 0x4750_4653: "GPFS",
        0xAAD7_AAEA: "PanFS", 0x9FA0: "procfs", 0x6265_6572: "sysfs",
    ]
    static let noLowerFileSystems: Set<UInt64> = [0xF15F, 0x0BD0_0BD0, 0x4750_4653, 0xAAD7_AAEA]

    /// The overlay of this launch, or nil when the root stays the read-only image.
    func overlayPlan(notes: inout [String]) throws(PlanError) -> OverlayPlan? {
        var layers: [OverlayPlan.Layer] = []
        var writable: [(spec: String, path: String)] = []
        for spec in request.overlays {
            let (path, mode) = OverlaySpec.split(spec)
            guard !path.isEmpty else { throw .badOption("--overlay", spec, reason: "expected PATH, PATH:ro or PATH:rw") }
            let absolute = Paths.normalize(path.hasPrefix("/") ? path : host.cwd + "/" + path)
            guard let real = hostFS.realPath(absolute) else {
                throw .badOption("--overlay", spec, reason: "no such file or directory on the host")
            }
            switch hostFS.kind(real) {
            case .directory:
                if mode == .readOnly {
                    let upper = real + "/upper"
                    let used = hostFS.kind(upper) == .directory ? upper : real
                    if let type = hostFS.fileSystemType(used), Self.noLowerFileSystems.contains(type) {
                        throw .badOption(
                            "--overlay", spec,
                            reason: "it is on \(Self.noUpperFileSystems[type] ?? "a file system") that overlayfs cannot use as a layer")
                    }
                    layers.append(OverlayPlan.Layer(kind: .directory, path: used, spec: spec))
                } else {
                    try checkUpperDirectory(real, spec: spec)
                    writable.append((spec, real))
                }
            case .file:
                try checkOverlayImage(real, spec: spec, mode: mode)
                layers.append(OverlayPlan.Layer(kind: .squashfs, path: real, spec: spec))
            default:
                throw .badOption("--overlay", spec, reason: "not a directory or a squashfs image")
            }
        }
        if writable.count > 1 {
            throw .badOption(
                "--overlay", writable.map(\.spec).joined(by: ", "),
                reason: "only one overlay may be writable (the others need :ro)")
        }
        var plan = OverlayPlan(layers: layers)
        if let upper = writable.first {
            plan.upper = .directory(upper.path)
            if request.writableTmpfs { notes.append("--writable-tmpfs ignored: --overlay \(upper.spec) is writable") }
        } else if request.writableTmpfs {
            plan.upper = .tmpfs
        }
        return plan == OverlayPlan() ? nil : plan
    }

    /// Whether `path` is a directory in one of the overlay's host directories (its upper layer
    /// or a read-only directory layer); squashfs layers are not read while planning.
    func overlayHasDirectory(_ path: String, _ overlay: OverlayPlan?) -> Bool {
        guard let overlay, path != "/" else { return false }
        let roots = (overlay.upperDirectory.map { [$0 + "/upper"] } ?? []) + overlay.layers.filter { $0.kind == .directory }.map(\.path)
        return roots.contains { hostFS.kind($0 + path) == .directory }
    }

    /// A writable overlay directory: its `upper` and `work` must be directories when present
    /// (gourd creates them otherwise), on a file system overlayfs accepts as the upper layer.
    func checkUpperDirectory(_ path: String, spec: String) throws(PlanError) {
        for name in ["upper", "work"] {
            if let kind = hostFS.kind(path + "/" + name), kind != .directory {
                throw .badOption("--overlay", spec, reason: "\(path)/\(name) exists and is not a directory")
            }
        }
        if let type = hostFS.fileSystemType(path), let name = Self.noUpperFileSystems[type] {
            throw .badOption(
                "--overlay", spec,
                reason:
                    "it is on \(name), which cannot hold an overlay's upper layer: use a directory on a local file system, or add :ro")
        }
    }

    /// An overlay image file must be squashfs (read-only). Apptainer's ext3 overlay images
    /// and SIF overlay partitions need a kernel ext3 mount (root) or fuse2fs: refused by name.
    func checkOverlayImage(_ path: String, spec: String, mode: OverlaySpec.Mode) throws(PlanError) {
        switch OverlaySpec.imageFormat(hostFS.read(path, offset: 0, count: 1082) ?? []) {
        case .squashfs:
            if mode == .readWrite {
                throw .badOption("--overlay", spec, reason: "a squashfs image is read-only: drop :rw (or use a directory)")
            }
        case .ext:
            throw .badOption(
                "--overlay", spec,
                reason:
                    "ext3 overlay images are not supported (they need root or fuse2fs): use a directory, or a squashfs image of it for a read-only layer"
            )
        case .sif:
            throw .badOption(
                "--overlay", spec, reason: "SIF overlays are not supported: use a directory, or a squashfs image for a read-only layer")
        case .unknown:
            throw .badOption("--overlay", spec, reason: "not a directory or a squashfs image")
        }
    }
}

/// The syntax of one --overlay value.
public enum OverlaySpec {
    public enum Mode: Sendable, Equatable {
        case unspecified, readOnly, readWrite
    }

    public enum ImageFormat: Sendable, Equatable {
        case squashfs, ext, sif, unknown
    }

    /// "PATH:ro" -> (PATH, .readOnly); a colon not followed by ro or rw belongs to the path.
    public static func split(_ spec: String) -> (String, Mode) {
        if spec.hasSuffix(":ro") { return (String(spec.dropLast(3)), .readOnly) }
        if spec.hasSuffix(":rw") { return (String(spec.dropLast(3)), .readWrite) }
        return (spec, .unspecified)
    }

    /// The format of an image file from its first bytes: squashfs (magic "hsqs" at 0), ext2/3/4
    /// (0xEF53 at 1080), SIF ("SIF_MAGIC" at 32, after the launch line).
    public static func imageFormat(_ head: [UInt8]) -> ImageFormat {
        if head.starts(with: Array("hsqs".utf8)) { return .squashfs }
        if head.count >= 41 && Array(head[32..<41]) == Array("SIF_MAGIC".utf8) { return .sif }
        if head.count >= 1082 && head[1080] == 0x53 && head[1081] == 0xEF { return .ext }
        return .unknown
    }
}
