import GourdCore

/// Apptainer's global options, before the subcommand (`apptainer --quiet --silent exec ...`,
/// as Snakemake calls it), and the name gourd was started under.
struct GlobalOptions: Equatable {
    /// -q/--quiet, -s/--silent: no warnings.
    var quiet = false
    /// -d/--debug, -v/--verbose: the plan's notes, as `exec -v` prints them.
    var debug = false
    /// The arguments after the global options (subcommand first).
    var rest: [String]

    static func parse(_ arguments: [String]) -> GlobalOptions {
        var options = GlobalOptions(rest: arguments)
        while let first = options.rest.first {
            switch first {
            case "-q", "--quiet", "-s", "--silent": options.quiet = true
            case "-d", "--debug", "-v", "--verbose": options.debug = true
            case "--nocolor": break
            default: return options
            }
            options.rest.removeFirst()
        }
        return options
    }

    static let current = parse(Array(CommandLine.arguments.dropFirst()))
    static let personality = CommandPersonality(argv0: CommandLine.arguments.first ?? "gourd")

    /// What `--version` or `version` print, or nil when `arguments` ask for something else.
    /// Under Apptainer's names the answers are Apptainer's (`apptainer version 1.4.0`;
    /// `version` alone prints the number); `version --gourd` always names gourd's own.
    static func versionAnswer(_ arguments: [String], personality: CommandPersonality, gourdVersion: String) -> String? {
        switch arguments {
        case ["--version"], ["-V"]:
            return personality.isApptainer ? personality.versionLine(gourdVersion: gourdVersion) : nil
        case ["version"]:
            return personality.isApptainer
                ? CommandPersonality.apptainerVersion
                : "gourd version \(gourdVersion) (Apptainer compatibility: \(CommandPersonality.apptainerVersion))"
        case ["version", "--gourd"]:
            return "gourd version \(gourdVersion)"
        default:
            return nil
        }
    }

    /// The first Apptainer option gourd cannot honour among a launch command's options
    /// (before IMAGE), with its reason: swift-argument-parser would only say "unknown option".
    static func unsupportedOption(in arguments: [String]) -> (String, String)? {
        guard let subcommand = arguments.first, ["exec", "run", "shell", "plan", "test"].contains(subcommand) else { return nil }
        var index = 1
        while index < arguments.count, arguments[index].hasPrefix("-"), arguments[index] != "--" {
            let token = arguments[index]
            if let option = UnsupportedOption.find(token) {
                let name = token.split(separator: "=", maxSplits: 1).first.map(String.init) ?? token
                return (name, option.reason)
            }
            if BareGPUFlag.valueOptions.contains(token), token != "--gpu" { index += 1 }
            index += 1
        }
        return nil
    }
}
