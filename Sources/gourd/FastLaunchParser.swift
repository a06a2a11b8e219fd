/// A strict parser for the common launch command lines, used before swift-argument-parser.
///
/// Why: swift-argument-parser builds its command tree by reflection, which costs about 3 ms of
/// a launch (perf: swift_conformsToProtocol and Mirror under parseAsRoot and
/// checkForCompletionScriptRequest), paid by every rank of an MPI job. This parser accepts only
/// the documented options, in the documented spellings, before IMAGE; for anything else (help,
/// unknown or malformed options, a command starting with "-") it returns nil and
/// swift-argument-parser parses and reports as usual. Tests check that both agree.
import GourdCore

enum FastLaunchParser {
    static func parse(_ arguments: [String]) -> LaunchInvocation? {
        guard let subcommand = arguments.first else { return nil }
        var invocation = LaunchInvocation(image: "", mode: .exec([]))
        var rest = arguments.dropFirst()
        while let token = rest.first, token.hasPrefix("-") {
            rest = rest.dropFirst()
            let (name, attached) = split(token)
            switch name {
            case "-B", "--bind", "--env", "--shell", "--pwd", "--cwd", "--env-file", "--home", "--no-mount", "--workdir", "-S",
                "--scratch", "--network", "--hostname", "-o", "--overlay":
                if name.count == 2 && attached != nil { return nil }
                guard let value = attached ?? rest.first, attached != nil || !value.hasPrefix("-") else { return nil }
                if attached == nil { rest = rest.dropFirst() }
                switch name {
                case "--env": invocation.environment.append(value)
                case "--pwd", "--cwd":
                    guard invocation.workdir == nil else { return nil }
                    invocation.workdir = value
                case "--env-file": invocation.envFiles.append(value)
                case "--home":
                    guard invocation.homeSpec == nil else { return nil }
                    invocation.homeSpec = value
                case "--workdir":
                    guard invocation.workspace == nil else { return nil }
                    invocation.workspace = value
                case "--network":
                    guard invocation.network == nil else { return nil }
                    invocation.network = value
                case "--hostname":
                    guard invocation.hostname == nil else { return nil }
                    invocation.hostname = value
                case "--no-mount": invocation.noMount += ApptainerList.split(value)
                case "-S", "--scratch": invocation.scratch += ApptainerList.split(value)
                case "-o", "--overlay": invocation.overlays += ApptainerList.split(value)
                case "--shell":
                    guard subcommand == "shell", invocation.shellSet == false else { return nil }
                    invocation.mode = .shell(value)
                default: invocation.binds.append(value)
                }
            case "--gpu", "--nv", "--rocm":
                let choice: GPUChoice?
                switch name {
                case "--nv": choice = attached == nil ? .vendor("nvidia") : nil
                case "--rocm": choice = attached == nil ? .vendor("amd") : nil
                default: choice = attached.map(GPUChoice.init) ?? .any
                }
                guard let choice, invocation.gpu == nil || invocation.gpu == choice else { return nil }
                invocation.gpu = choice
            case "--share":
                guard let value = attached ?? rest.first, let request = LaunchOptions.shareRequest(value),
                    invocation.share == .auto
                else { return nil }
                if attached == nil { rest = rest.dropFirst() }
                invocation.share = request
            case "--warm":
                guard let value = attached ?? rest.first, WarmDecision.parse(value) != nil, invocation.warm == nil
                else { return nil }
                if attached == nil { rest = rest.dropFirst() }
                invocation.warm = value
            case "--fuse-cache":
                guard let value = attached ?? rest.first, let mib = Int(value), ServingPlan.cacheRange.contains(mib),
                    invocation.fuseCacheMiB == nil
                else { return nil }
                if attached == nil { rest = rest.dropFirst() }
                invocation.fuseCacheMiB = mib
            case "--dev":
                guard let value = attached ?? rest.first, let mode = DeviceMode(rawValue: value),
                    invocation.devices == nil
                else { return nil }
                if attached == nil { rest = rest.dropFirst() }
                invocation.devices = mode
            case "--cleanenv" where attached == nil, "-e" where attached == nil: invocation.cleanEnvironment = true
            case "--contain" where attached == nil, "-c" where attached == nil: invocation.contain = true
            case "--containall" where attached == nil, "-C" where attached == nil:
                invocation.contain = true
                invocation.cleanEnvironment = true
                invocation.ipc = true
            case "--net" where attached == nil, "-n" where attached == nil: invocation.net = true
            case "--ipc" where attached == nil, "-i" where attached == nil: invocation.ipc = true
            case "--uts" where attached == nil: invocation.uts = true
            case "--writable-tmpfs" where attached == nil: invocation.writableTmpfs = true
            case "--compat" where attached == nil:
                invocation.contain = true
                invocation.cleanEnvironment = true
                invocation.ipc = true
                invocation.noEval = true
                invocation.writableTmpfs = true
            case "--pid" where attached == nil, "-p" where attached == nil, "--userns" where attached == nil,
                "-u" where attached == nil, "--no-privs" where attached == nil, "--no-init" where attached == nil:
                break
            case "--no-eval" where attached == nil: invocation.noEval = true
            case "--no-home" where attached == nil: invocation.mountHome = false
            case "-v" where attached == nil, "--verbose" where attached == nil: invocation.verbose = true
            default: return nil
            }
        }
        guard let image = rest.first else { return nil }
        invocation.image = image
        let tail = Array(rest.dropFirst())
        if let first = tail.first, first.hasPrefix("-") { return nil }
        switch subcommand {
        case "exec":
            guard !tail.isEmpty else { return nil }
            invocation.mode = .exec(tail)
        case "run":
            invocation.mode = .run(tail)
        case "shell":
            guard tail.isEmpty else { return nil }
            if !invocation.shellSet { invocation.mode = .shell(nil) }
        default:
            return nil
        }
        return invocation
    }

    /// "--name=value" -> ("--name", "value"); anything else -> (token, nil).
    static func split(_ token: String) -> (String, String?) {
        guard token.hasPrefix("--"), let eq = token.firstIndex(of: "=") else { return (token, nil) }
        return (String(token[..<eq]), String(token[token.index(after: eq)...]))
    }
}

extension LaunchInvocation {
    var shellSet: Bool {
        if case .shell(.some) = mode { return true }
        return false
    }
}
