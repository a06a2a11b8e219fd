/// The layers overlayfs stacks over the image root (Apptainer's `--overlay`, `--writable-tmpfs`),
/// resolved on the host. The kernel's overlayfs mounts them in the container's user namespace
/// (`userxattr`, overlayfs(5) "Permission model"): the image is the lowest layer, then every
/// read-only layer, then at most one writable upper layer on top.
public struct OverlayPlan: Sendable, Equatable, Codable {
    /// One read-only layer.
    public struct Layer: Sendable, Equatable, Codable {
        public enum Kind: String, Sendable, Equatable, Codable {
            /// A host directory, bound as it is.
            case directory
            /// A squashfs image file, served by gourd's FUSE server beside the image.
            case squashfs
        }

        public var kind: Kind
        /// The directory or image file used (symlinks resolved; for a directory that holds an
        /// earlier writable overlay, its `upper` subdirectory).
        public var path: String
        /// The --overlay value it came from, for messages and `gourd plan`.
        public var spec: String

        public init(kind: Kind, path: String, spec: String) {
            self.kind = kind
            self.path = path
            self.spec = spec
        }
    }

    /// Where the workload's writes go.
    public enum Upper: Sendable, Equatable, Codable {
        /// `--overlay DIR`: DIR/upper (the changes) and DIR/work (overlayfs' scratch), kept after
        /// the launch; gourd creates both when missing, as Apptainer does.
        case directory(String)
        /// `--writable-tmpfs`: a 64 MiB tmpfs, gone at exit.
        case tmpfs
    }

    /// Read-only layers, the topmost first (the order of the --overlay flags, as overlayfs'
    /// `lowerdir=` lists them).
    public var layers: [Layer]
    /// nil: a read-only root made of the layers and the image.
    public var upper: Upper?

    public init(layers: [Layer] = [], upper: Upper? = nil) {
        self.layers = layers
        self.upper = upper
    }

    /// The persistent upper directory, if any.
    public var upperDirectory: String? {
        if case .directory(let path) = upper { return path }
        return nil
    }

    /// One line for `gourd plan`.
    public var summary: String {
        var parts: [String] = []
        switch upper {
        case .directory(let path): parts.append("writes in \(path)/upper (work: \(path)/work), kept")
        case .tmpfs: parts.append("writes in a 64 MiB tmpfs (--writable-tmpfs), discarded at exit")
        case nil: parts.append("read-only")
        }
        for layer in layers {
            parts.append("layer \(layer.path) (\(layer.kind == .squashfs ? "squashfs image, served by gourd" : "directory"))")
        }
        return "overlayfs over the image: " + parts.joined(by: "; ")
    }
}
