/// What the user asked for, before anything is resolved.
public struct LaunchRequest: Sendable, Equatable {
    public enum Mode: Sendable, Equatable {
        /// gourd exec IMAGE COMMAND [ARG...]
        case exec([String])
        /// gourd run IMAGE [ARG...]
        case run([String])
        /// gourd shell IMAGE; nil picks /bin/bash when the image has it, else /bin/sh
        case shell(String?)
    }

    public var mode: Mode
    /// --bind values in order (each SRC[:DST[:ro|rw]]).
    public var binds: [String]
    /// --env values in order (each NAME=VALUE).
    public var environment: [String]
    public var cleanEnvironment: Bool
    /// --pwd: the working directory inside, instead of the caller's.
    public var workdir: String?
    /// false with --no-home: the caller's home is not bound.
    public var mountHome: Bool
    /// --gpu / --nv / --rocm; nil: the policy's default.
    public var gpu: GPUChoice?
    /// --dev; nil: the policy's default.
    public var devices: DeviceMode?
    /// --share; .auto by default.
    public var share: ShareRequest
    /// The name gourd was started under (argv[0]): decides which variable family wins.
    public var personality: CommandPersonality = .gourd
    /// --contain / --containall: no host home, /tmp, /var/tmp or current directory; a private
    /// /tmp and /var/tmp (under --workdir when given).
    public var contain = false
    /// --home SRC[:DST]: the home directory to bind (and HOME inside) instead of the caller's.
    public var homeSpec: String?
    /// --no-mount: default mounts not to make ("home", "tmp", "cwd", "hostfs"... as Apptainer names them).
    public var noMount: [String] = []
    /// --scratch DIR: empty writable directories at these paths (under --workdir when given).
    public var scratch: [String] = []
    /// --workdir DIR: a host directory holding the contained /tmp, /var/tmp and --scratch.
    public var workspace: String?
    /// --env-file FILE: NAME=VALUE lines, applied before --env.
    public var envFiles: [String] = []
    /// --net (Apptainer: a network namespace) and --network TYPE (only "none" works unprivileged).
    public var net = false
    public var network: String?
    /// --hostname NAME (a UTS namespace), --uts, --ipc.
    public var hostname: String?
    public var uts = false
    public var ipc = false
    /// --writable-tmpfs (also part of --compat).
    public var writableTmpfs = false
    /// --no-eval (also part of --compat): --env, --env-file and APPTAINERENV_ values are taken
    /// as they are, not evaluated by the container's shell.
    public var noEval = false
    /// --overlay values in order (each PATH[:ro|:rw]; also APPTAINER_OVERLAY, comma-separated).
    public var overlays: [String] = []
    /// --warm=SECONDS|off; nil: GOURD_WARM, then the policy, then the built-in default.
    public var warm: String?
    /// --fuse-cache MIB: the FUSE server's cache budget (wins over GOURD_FUSE_CACHE_MB and the
    /// policy's [serving] cache_mb).
    public var fuseCacheMiB: Int?

    public init(
        mode: Mode, binds: [String] = [], environment: [String] = [], cleanEnvironment: Bool = false,
        workdir: String? = nil, mountHome: Bool = true, gpu: GPUChoice? = nil, devices: DeviceMode? = nil, share: ShareRequest = .auto
    ) {
        self.mode = mode
        self.binds = binds
        self.environment = environment
        self.cleanEnvironment = cleanEnvironment
        self.workdir = workdir
        self.mountHome = mountHome
        self.gpu = gpu
        self.devices = devices
        self.share = share
    }
}
