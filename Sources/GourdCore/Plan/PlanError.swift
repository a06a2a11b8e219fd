/// Why a launch request cannot become a plan. Each message names the thing and the cause.
public enum PlanError: Error, Equatable, CustomStringConvertible {
    case badBind(String, origin: String, reason: String)
    case bindSourceMissing(String, origin: String)
    case bindDestinationMissing(String, origin: String)
    case bindKindMismatch(String, origin: String, sourceIsDirectory: Bool)
    /// A bind would cover the container's root, /proc (or a path in it) or /dev.
    case bindDestinationProtected(String, origin: String)
    case badEnvironment(String, origin: String)
    case badImageMetadata(path: String, reason: String)
    case noCommand
    case badWorkdir(String)
    case shellMissing(String)
    /// The site policy forbids binding `path` (`rule` says which entry).
    case bindDenied(String, origin: String, rule: String)
    /// A required policy bind cannot be made.
    case policyBindFailed(String, origin: PolicyOrigin, reason: String)
    /// The site policy forbids setting this variable.
    case environmentForbidden(String, origin: String, rule: PolicyOrigin)
    case unknownGPUVendor(String, known: [String])
    case gpuUnavailable(String)
    case badGPUVariable(name: String, value: String)
    /// GOURD_FUSE_CACHE_MB or GOURD_FUSE_THREADS is not a number in range.
    case badServingVariable(name: String, value: String, expected: String)
    /// The site policy does not allow this image.
    case imageNotAllowed(String, reason: String)
    /// An Apptainer option (or its environment form) gourd cannot honour (`UnsupportedOption`).
    case unsupportedOption(String, String)
    /// A control variable (APPTAINER_CLEANENV...) whose value gourd cannot read.
    case badControlVariable(String, String, reason: String)
    /// An option value gourd cannot use (option, value, why).
    case badOption(String, String, reason: String)
    /// --env-file: a file that cannot be read, or a line that is not NAME=VALUE.
    case badEnvironmentFile(String, reason: String)
    /// An --env or APPTAINERENV_ value the container's shell could not evaluate.
    case badEnvironmentValue(String, origin: String, reason: String)

    public var description: String {
        switch self {
        case let .badBind(text, origin, reason):
            return "\(origin) '\(text)': \(reason)"
        case let .bindSourceMissing(path, origin):
            return "\(origin): source '\(path)' does not exist on the host"
        case let .bindDestinationMissing(path, origin):
            return
                "\(origin): destination '\(path)' cannot be created: it lies in another mount that lacks it, or under a file in the image"
        case let .bindKindMismatch(path, origin, sourceIsDirectory):
            return sourceIsDirectory
                ? "\(origin): destination '\(path)' is a file, but the source is a directory"
                : "\(origin): destination '\(path)' is a directory, but the source is a file"
        case let .bindDestinationProtected(path, origin):
            return
                "\(origin): destination '\(path)' is not allowed: a bind may not cover the container's root, /proc (or anything in it) or /dev; bind below another directory, e.g. /mnt"
        case let .badEnvironment(text, origin):
            return "\(origin) '\(text)': expected NAME=VALUE with a valid variable name"
        case let .badImageMetadata(path, reason):
            return "image metadata \(path): \(reason)"
        case .noCommand:
            return "no command given"
        case let .badWorkdir(path):
            return "--pwd '\(path)': not an absolute path to a directory inside the container"
        case let .shellMissing(path):
            return "shell '\(path)' not found in the image"
        case let .bindDenied(path, origin, rule):
            return "\(origin): binding '\(path)' is not allowed by the site policy (\(rule))"
        case let .policyBindFailed(path, origin, reason):
            return "required bind '\(path)' from policy \(origin): \(reason)"
        case let .environmentForbidden(name, origin, rule):
            return "\(origin): setting \(name) is forbidden by the site policy (\(rule))"
        case let .unknownGPUVendor(name, known):
            return "--gpu=\(name): no such GPU vendor (known: \(known.joined(by: ", ")), none, auto)"
        case let .gpuUnavailable(reason):
            return "GPU requested but unavailable: \(reason)"
        case let .badGPUVariable(name, value):
            return "\(name)='\(value)': not a list of GPU numbers"
        case let .badServingVariable(name, value, expected):
            return "\(name)='\(value)': expected \(expected)"
        case let .imageNotAllowed(path, reason):
            return "image \(path) is not allowed by the site policy: \(reason)"
        case let .unsupportedOption(name, reason):
            return UnsupportedOption.message(name, reason)
        case let .badControlVariable(name, value, reason):
            return "\(name)='\(value)': \(reason)"
        case let .badOption(option, value, reason):
            return "\(option) '\(value)': \(reason)"
        case let .badEnvironmentFile(path, reason):
            return "--env-file \(path): \(reason)"
        case let .badEnvironmentValue(name, origin, reason):
            // A host variable's origin is its own name ("host APPTAINERENV_X").
            let what = origin.hasPrefix("host ") ? String(origin.dropFirst("host ".count)) : "\(origin) \(name)"
            return "\(what): \(reason) (write \\$ for a literal $, or use --no-eval)"
        }
    }
}
