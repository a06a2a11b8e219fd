import ArgumentParser

/// Options shared by exec, run and shell. Their spellings are also known to `FastLaunchParser`.
struct LaunchOptions: ParsableArguments {
    @Option(name: [.customShort("B"), .customLong("bind")], help: ArgumentHelp(
        "Bind a host path: SRC[:DST[:ro|rw]]. Repeatable; also GOURD_BIND (comma-separated).",
        valueName: "spec"))
    var bind: [String] = []

    @Option(name: .customLong("env"), help: ArgumentHelp("Set NAME=VALUE inside (repeatable; wins over everything).", valueName: "NAME=VALUE"))
    var env: [String] = []

    @Flag(name: .customLong("cleanenv"), help: "Start from a minimal environment instead of the host's.")
    var cleanEnvironment = false

    @Option(name: .customLong("pwd"), help: ArgumentHelp("Start in this directory inside (default: the current one when it exists inside, else home).", valueName: "dir"))
    var workdir: String?

    @Flag(name: .customLong("no-home"), help: "Do not bind your home directory.")
    var noHome = false

    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "Print the plan's notes (skipped mounts and why) to stderr.")
    var verbose = false

    func invocation(image: String, mode: LaunchInvocation.Mode) -> LaunchInvocation {
        LaunchInvocation(image: image, mode: mode, binds: bind, environment: env,
                         cleanEnvironment: cleanEnvironment, workdir: workdir, mountHome: !noHome, verbose: verbose)
    }
}
