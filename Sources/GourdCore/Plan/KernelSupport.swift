/// Which of the system calls gourd prefers this kernel has, and what gourd uses where one is
/// missing (Linux before 5.12, down to 4.18 as on RHEL 8, or a seccomp filter that hides
/// them). Every fallback gives the same guarantees (docs/PLATFORM-NOTES.md, "Kernels before
/// 5.12"); only the way differs. Probed by the runtime; shown by `gourd check` and `gourd plan`.
public struct KernelSupport: Sendable, Equatable, Codable {
    /// One system call gourd prefers, the release that added it, and both ways.
    public enum Call: String, Sendable, Codable, CaseIterable {
        case openat2
        case openTree = "open_tree"
        case moveMount = "move_mount"
        case mountSetattr = "mount_setattr"
        case closeRange = "close_range"

        public var since: String {
            switch self {
            case .openat2: return "5.6"
            case .openTree, .moveMount: return "5.2"
            case .mountSetattr: return "5.12"
            case .closeRange: return "5.9"
            }
        }

        /// What gourd does with it.
        public var use: String {
            switch self {
            case .openat2: return "bind destinations resolved inside the root (RESOLVE_IN_ROOT)"
            case .openTree: return "detached copies of bind sources"
            case .moveMount: return "attaching mounts by descriptor"
            case .mountSetattr: return "read-only, nosuid and nodev on mounts"
            case .closeRange: return "closing descriptors before the workload"
            }
        }

        /// What gourd uses without it.
        public var fallback: String {
            switch self {
            case .openat2: return "gourd's in-root resolver"
            case .openTree, .moveMount: return "mount(2) binds"
            case .mountSetattr: return "remount"
            case .closeRange: return "close(2) per descriptor"
            }
        }
    }

    /// The missing calls, in `Call.allCases` order.
    public var missing: [Call]

    public init(missing: [Call] = []) {
        self.missing = Call.allCases.filter { missing.contains($0) }
    }

    public var isComplete: Bool { missing.isEmpty }

    /// One line per missing call, e.g. "mount_setattr: missing, using remount (Linux < 5.12)".
    public var fallbackLines: [String] {
        missing.map { "\($0.rawValue): missing, using \($0.fallback) (Linux < \($0.since))" }
    }

    /// The whole answer on one line.
    public var summary: String {
        if missing.isEmpty { return Call.allCases.map(\.rawValue).joined(by: ", ") + ": present" }
        return fallbackLines.joined(by: "; ")
    }
}
