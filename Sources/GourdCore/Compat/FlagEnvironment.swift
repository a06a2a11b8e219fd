/// The environment forms of launch flags, as Apptainer reads them (`APPTAINER_CLEANENV=1`
/// acts as `--cleanenv`): under each family of `CommandPersonality.controlPrefixes`, the
/// first family that sets a key wins. A flag given on the command line wins over its variable
/// (boolean flags can only be switched on, as in Apptainer). Variables for options gourd
/// cannot honour fail the launch like the option itself would: never a silent ignore.
public enum FlagEnvironment {
    /// Boolean keys Apptainer accepts as `strconv.ParseBool` does.
    static func boolean(_ found: ControlVariables.Found) throws(PlanError) -> Bool {
        switch found.value {
        case "1", "t", "T", "true", "TRUE", "True", "yes": return true
        case "0", "f", "F", "false", "FALSE", "False", "no", "": return false
        default: throw .badControlVariable(found.name, found.value, reason: "expected true or false (1 or 0)")
        }
    }

    /// The request with every flag the environment sets and the command line left unset.
    public static func apply(to request: LaunchRequest, environment: [EnvironmentVariable]) throws(PlanError) -> LaunchRequest {
        let variables = ControlVariables(environment: environment, personality: request.personality)
        var result = request
        func flag(_ keys: String...) throws(PlanError) -> Bool {
            for key in keys {
                if let found = variables.lookup(key), try boolean(found) { return true }
            }
            return false
        }
        if try flag("CLEANENV") { result.cleanEnvironment = true }
        if try flag("NO_HOME") { result.mountHome = false }
        if try flag("CONTAIN") { result.contain = true }
        // Apptainer's --containall is --contain --cleanenv --ipc --pid (gourd always has the PID namespace).
        if try flag("CONTAINALL") {
            result.contain = true
            result.cleanEnvironment = true
            result.ipc = true
        }
        if result.gpu == nil {
            if try flag("NV") { result.gpu = .vendor("nvidia") } else if try flag("ROCM") { result.gpu = .vendor("amd") }
        }
        if result.workdir == nil, let found = variables.lookup("PWD", "TARGET_PWD", "CWD") { result.workdir = found.value }
        if result.homeSpec == nil, let found = variables.lookup("HOME") { result.homeSpec = found.value }
        if result.workspace == nil, let found = variables.lookup("WORKDIR") { result.workspace = found.value }
        if result.scratch.isEmpty, let found = variables.lookup("SCRATCH", "SCRATCHDIR") {
            result.scratch = ApptainerList.split(found.value)
        }
        if result.noMount.isEmpty, let found = variables.lookup("NO_MOUNT") { result.noMount = ApptainerList.split(found.value) }
        if result.envFiles.isEmpty, let found = variables.lookup("ENV_FILE") { result.envFiles = [found.value] }
        if try flag("WRITABLE_TMPFS") { result.writableTmpfs = true }
        if result.overlays.isEmpty, let found = variables.lookup("OVERLAY", "OVERLAYIMAGE") {
            result.overlays = ApptainerList.split(found.value)
        }
        if try flag("NO_EVAL") { result.noEval = true }
        if try flag("COMPAT") {
            result.contain = true
            result.cleanEnvironment = true
            result.ipc = true
            result.noEval = true
            result.writableTmpfs = true
        }
        if try flag("NET") { result.net = true }
        if try flag("IPC") { result.ipc = true }
        if try flag("UTS") { result.uts = true }
        if result.network == nil, let found = variables.lookup("NETWORK") { result.network = found.value }
        if result.hostname == nil, let found = variables.lookup("HOSTNAME") { result.hostname = found.value }
        for option in UnsupportedOption.all {
            for key in option.environmentKeys {
                guard let found = variables.lookup(key) else { continue }
                if option.isBoolean, try !boolean(found) { continue }
                throw .unsupportedOption(found.name, option.reason)
            }
        }
        return result
    }
}
