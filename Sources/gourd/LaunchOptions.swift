import ArgumentParser
import GourdCore

/// Options shared by exec, run, shell and plan. Their spellings are also known to `FastLaunchParser`.
struct LaunchOptions: ParsableArguments {
    @Option(
        name: [.customShort("B"), .customLong("bind")],
        help: ArgumentHelp(
            "Bind a host path: SRC[:DST[:ro|rw]]. Repeatable; also GOURD_BIND (comma-separated).",
            valueName: "spec"))
    var bind: [String] = []

    @Option(
        name: .customLong("env"), help: ArgumentHelp("Set NAME=VALUE inside (repeatable; wins over everything).", valueName: "NAME=VALUE"))
    var env: [String] = []

    @Option(name: .customLong("env-file"), help: ArgumentHelp("NAME=VALUE lines to set inside (before --env).", valueName: "file"))
    var envFiles: [String] = []

    @Flag(name: [.customShort("e"), .customLong("cleanenv")], help: "Start from a minimal environment instead of the host's.")
    var cleanEnvironment = false

    @Option(
        name: [.customLong("pwd"), .customLong("cwd")],
        help: ArgumentHelp("Start in this directory inside (default: the current one when it exists inside, else home).", valueName: "dir"))
    var workdir: String?

    @Flag(
        name: [.customShort("c"), .customLong("contain")], help: "No host home, /tmp, /var/tmp or current directory: private ones instead.")
    var contain = false

    @Flag(
        name: [.customShort("C"), .customLong("containall")],
        help: "--contain, --cleanenv and --ipc (gourd always has its own PID namespace).")
    var containAll = false

    @Option(
        name: .customLong("home"), help: ArgumentHelp("Bind SRC as home at DST (default: SRC); HOME names DST.", valueName: "SRC[:DST]"))
    var home: String?

    @Option(
        name: .customLong("no-mount"),
        help: ArgumentHelp(
            "Default mounts to skip: home, tmp, cwd, sys, hostfs, or a default mount's destination (comma list).", valueName: "list"))
    var noMount: [String] = []

    @Option(
        name: .customLong("workdir"), help: ArgumentHelp("Host directory for the contained /tmp, /var/tmp and --scratch.", valueName: "dir")
    )
    var workspace: String?

    @Option(
        name: [.customShort("S"), .customLong("scratch")],
        help: ArgumentHelp("An empty writable directory at this path inside (comma list; repeatable).", valueName: "path"))
    var scratch: [String] = []

    @Flag(
        name: .customLong("writable-tmpfs"),
        help: "Let the workload write anywhere: an overlay whose writes go to a 64 MiB tmpfs, discarded at exit.")
    var writableTmpfs = false

    @Option(
        name: [.customShort("o"), .customLong("overlay")],
        help: ArgumentHelp(
            "An overlay over the image: DIR (writable: changes kept in DIR/upper), DIR:ro or IMAGE.sqfs (read-only layers). Repeatable or a comma list; at most one writable.",
            valueName: "PATH[:ro]"))
    var overlay: [String] = []

    @Flag(name: .customLong("compat"), help: "Apptainer's OCI-like mode: --containall (with its IPC namespace) --writable-tmpfs --no-eval.")
    var compat = false

    @Flag(name: [.customShort("n"), .customLong("net")], help: "A network namespace (with --network none: loopback only).")
    var net = false

    @Option(
        name: .customLong("network"),
        help: ArgumentHelp("Network type: only none (an empty network namespace, loopback up).", valueName: "none"))
    var network: String?

    @Option(name: .customLong("hostname"), help: ArgumentHelp("The host name inside (a UTS namespace).", valueName: "name"))
    var hostname: String?

    @Flag(name: .customLong("uts"), help: "A UTS namespace (the host name can change inside without touching the host's).")
    var uts = false

    @Flag(name: [.customShort("i"), .customLong("ipc")], help: "An IPC namespace (SysV IPC, POSIX message queues).")
    var ipc = false

    @Flag(name: [.customShort("p"), .customLong("pid")], help: "Accepted: gourd always gives the container its own PID namespace.")
    var pid = false

    @Flag(name: [.customShort("u"), .customLong("userns")], help: "Accepted: gourd always runs in a user namespace.")
    var userns = false

    @Flag(name: .customLong("no-privs"), help: "Accepted: the container never has capabilities.")
    var noPrivs = false

    @Flag(name: .customLong("no-init"), help: "Accepted: gourd's init is needed to forward signals and end leftovers.")
    var noInit = false

    @Flag(
        name: .customLong("no-eval"),
        help: "Take --env, --env-file and APPTAINERENV_ values as written (no evaluation by the image's shell).")
    var noEval = false

    @Flag(name: .customLong("no-home"), help: "Do not bind your home directory.")
    var noHome = false

    @Option(
        name: .customLong("gpu"),
        help: ArgumentHelp(
            "GPUs of this allocation: --gpu (any vendor, required), --gpu=nvidia|amd, --gpu=auto (if present), --gpu=none.",
            valueName: "vendor"))
    var gpu: String?

    @Flag(name: .customLong("nv"), help: "Same as --gpu=nvidia (Apptainer's spelling).")
    var nv = false

    @Flag(name: .customLong("rocm"), help: "Same as --gpu=amd (Apptainer's spelling).")
    var rocm = false

    @Option(name: .customLong("dev"), help: ArgumentHelp("/dev inside: minimal (default) or host.", valueName: "minimal|host"))
    var dev: String?

    @Option(
        name: .customLong("share"),
        help: ArgumentHelp(
            "Share one container among the ranks of a job on this node: automatic under Slurm steps, Open MPI, MPICH and PMIx; --share=KEY forces it, --share=none opts out.",
            valueName: "KEY|none"))
    var share: String?

    @Option(
        name: .customLong("warm"),
        help: ArgumentHelp(
            "Reuse this job's image server (warm caches) and keep it SECONDS after the last launch (default 30), or off: a cold launch that serves the image itself.",
            valueName: "SECONDS|off"))
    var warm: String?

    @Option(
        name: .customLong("fuse-cache"),
        help: ArgumentHelp(
            "MiB of decompressed image blocks the FUSE server may cache (default 64; also GOURD_FUSE_CACHE_MB).",
            valueName: "MiB"))
    var fuseCache: Int?

    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "Print the plan's notes (skipped mounts and why) to stderr.")
    var verbose = false

    mutating func validate() throws {
        _ = try gpuChoice()
        if let dev, DeviceMode(rawValue: dev) == nil { throw ValidationError("--dev '\(dev)': expected minimal or host") }
        if let warm, WarmDecision.parse(warm) == nil {
            throw ValidationError("--warm '\(warm)': expected off or seconds from 1 to \(WarmPlan.maxLingerSeconds)")
        }
        if let fuseCache, !ServingPlan.cacheRange.contains(fuseCache) {
            throw ValidationError("--fuse-cache '\(fuseCache)': expected MiB from 1 to \(ServingPlan.maxCacheMiB)")
        }
        if let share, LaunchOptions.shareRequest(share) == nil {
            throw ValidationError("--share '\(share)': expected none or a key of letters, digits, '.', '_' and '-'")
        }
    }

    /// --gpu, --nv and --rocm must agree.
    func gpuChoice() throws -> GPUChoice? {
        var choices: [GPUChoice] = []
        if let gpu {
            guard let choice = GPUChoice(gpu) else { throw ValidationError("--gpu '\(gpu)': expected none, auto, any or a vendor name") }
            choices.append(choice)
        }
        if nv { choices.append(.vendor("nvidia")) }
        if rocm { choices.append(.vendor("amd")) }
        guard choices.allSatisfy({ $0 == choices.first }) else {
            throw ValidationError("--gpu, --nv and --rocm ask for different GPUs: choose one")
        }
        return choices.first
    }

    func invocation(image: String, mode: LaunchInvocation.Mode) -> LaunchInvocation {
        LaunchInvocation(
            image: image, mode: mode, binds: bind, environment: env,
            cleanEnvironment: cleanEnvironment || containAll || compat, workdir: workdir, mountHome: !noHome, verbose: verbose,
            gpu: try? gpuChoice(), devices: dev.flatMap(DeviceMode.init(rawValue:)),
            share: share.flatMap(LaunchOptions.shareRequest) ?? .auto,
            contain: contain || containAll || compat, homeSpec: home, noMount: noMount.flatMap(ApptainerList.split),
            scratch: scratch.flatMap(ApptainerList.split), workspace: workspace, envFiles: envFiles,
            net: net, network: network, hostname: hostname, uts: uts, ipc: ipc || containAll || compat,
            writableTmpfs: writableTmpfs || compat, noEval: noEval || compat, overlays: overlay.flatMap(ApptainerList.split),
            warm: warm,
            fuseCacheMiB: fuseCache)
    }

    /// "none" or a key (nil when malformed).
    static func shareRequest(_ text: String) -> ShareRequest? {
        if text == "none" { return ShareRequest.none }
        guard !text.isEmpty, text.count <= 64,
            text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) })
        else { return nil }
        return .key(text)
    }
}

/// swift-argument-parser has no options with an optional value: a bare "--gpu" among the
/// options (before IMAGE) becomes "--gpu=any".
enum BareGPUFlag {
    static let valueOptions: Set<String> = [
        "-B", "--bind", "--env", "--shell", "--pwd", "--cwd", "--dev", "--gpu", "--share", "--warm", "--env-file", "--home",
        "--no-mount", "--workdir", "-S", "--scratch", "--network", "--hostname", "-o", "--overlay", "--fuse-cache",
    ]

    static func normalize(_ arguments: [String]) -> [String] {
        var result = Array(arguments.prefix(1))
        var index = 1
        while index < arguments.count, arguments[index].hasPrefix("-"), arguments[index] != "--" {
            let token = arguments[index]
            if token == "--gpu" {
                result.append("--gpu=any")
            } else {
                result.append(token)
                if valueOptions.contains(token), index + 1 < arguments.count {
                    index += 1
                    result.append(arguments[index])
                }
            }
            index += 1
        }
        return result + arguments.dropFirst(index)
    }
}
