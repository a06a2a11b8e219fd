/// Apptainer options gourd cannot honour, each with what to use instead. The command line and
/// the environment forms (`APPTAINER_FAKEROOT=1`) both fail with this reason: a user who asked
/// for isolation or privilege must not silently get less.
public struct UnsupportedOption: Sendable, Equatable {
    /// Spellings on the command line ("--fakeroot", "-f").
    public let names: [String]
    /// Whether the option takes a value (the next argument, or after "=").
    public let takesValue: Bool
    /// Keys of its environment form, after a control prefix ("FAKEROOT").
    public let environmentKeys: [String]
    public let reason: String

    var isBoolean: Bool { !takesValue }

    init(_ names: [String], value: Bool = false, env: [String] = [], _ reason: String) {
        self.names = names
        takesValue = value
        environmentKeys = env
        self.reason = reason
    }

    static let cgroupReason =
        "cgroup limits need a delegated cgroup, which gourd does not use: ask your scheduler (e.g. Slurm --mem, --cpus-per-task)"
    static let capabilityReason =
        "the container has no capabilities and no-new-privs is set: gourd runs everything with exactly your rights"

    public static let all: [UnsupportedOption] = [
        UnsupportedOption(
            ["--fakeroot", "-f"], env: ["FAKEROOT"],
            "gourd maps your own uid, never root; `gourd build` runs %post as root of its own namespace"),
        UnsupportedOption(
            ["--writable", "-w"], env: ["WRITABLE"],
            "the image is a read-only squashfs: use --overlay DIR (changes kept in DIR) or --writable-tmpfs, or bind a writable host directory"
        ),
        UnsupportedOption(["--network-args"], value: true, env: ["NETWORK_ARGS"], "gourd has no network set-up"),
        UnsupportedOption(["--dns"], value: true, env: ["DNS"], "the container uses the host's /etc/resolv.conf"),
        UnsupportedOption(["--add-caps"], value: true, env: ["ADD_CAPS"], capabilityReason),
        UnsupportedOption(["--drop-caps"], value: true, env: ["DROP_CAPS"], capabilityReason),
        UnsupportedOption(["--keep-privs"], env: ["KEEP_PRIVS"], capabilityReason),
        UnsupportedOption(["--allow-setuid"], env: ["ALLOW_SETUID"], "binds are always nosuid; gourd never runs setuid programs"),
        UnsupportedOption(
            ["--security"], value: true, env: ["SECURITY"],
            "gourd applies no SELinux, AppArmor or seccomp profiles of its own"),
        UnsupportedOption(["--boot"], env: ["BOOT"], "gourd runs a command, never the image's init"),
        UnsupportedOption(["--nvccli"], env: ["NVCCLI"], "gourd binds the host's NVIDIA driver itself: use --nv"),
        UnsupportedOption(["--apply-cgroups"], value: true, env: ["APPLY_CGROUPS"], cgroupReason),
        UnsupportedOption(["--cpus"], value: true, env: ["CPUS"], cgroupReason),
        UnsupportedOption(["--cpu-shares"], value: true, env: ["CPU_SHARES"], cgroupReason),
        UnsupportedOption(["--cpuset-cpus"], value: true, env: ["CPUSET_CPUS"], cgroupReason),
        UnsupportedOption(["--cpuset-mems"], value: true, env: ["CPUSET_MEMS"], cgroupReason),
        UnsupportedOption(["--memory"], value: true, env: ["MEMORY"], cgroupReason),
        UnsupportedOption(["--memory-reservation"], value: true, env: ["MEMORY_RESERVATION"], cgroupReason),
        UnsupportedOption(["--memory-swap"], value: true, env: ["MEMORY_SWAP"], cgroupReason),
        UnsupportedOption(["--oom-kill-disable"], env: ["OOM_KILL_DISABLE"], cgroupReason),
        UnsupportedOption(["--pids-limit"], value: true, env: ["PIDS_LIMIT"], cgroupReason),
        UnsupportedOption(["--blkio-weight"], value: true, env: ["BLKIO_WEIGHT"], cgroupReason),
        UnsupportedOption(["--blkio-weight-device"], value: true, env: ["BLKIO_WEIGHT_DEVICE"], cgroupReason),
        UnsupportedOption(["--app"], value: true, env: ["APP"], "SCIF apps are not supported: run the app's command with exec"),
        UnsupportedOption(["--mount"], value: true, env: ["MOUNT"], "use -B SRC[:DST[:ro]] for binds"),
    ]

    /// The entry for a command-line token ("--memory=4G" finds --memory), if any.
    public static func find(_ token: String) -> UnsupportedOption? {
        let name = token.split(separator: "=", maxSplits: 1).first.map(String.init) ?? token
        return all.first(where: { $0.names.contains(name) })
    }

    /// "--fakeroot is not supported by gourd: REASON".
    public static func message(_ name: String, _ reason: String) -> String {
        "\(name) is not supported by gourd: \(reason)"
    }
}
