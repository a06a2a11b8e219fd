/// Which GPUs a launch asks for: from --gpu / --nv / --rocm, else the policy's `gpu.default`.
public enum GPUChoice: Sendable, Equatable, Codable, CustomStringConvertible {
    /// No GPU devices, libraries or environment.
    case none
    /// The GPUs of whichever vendor this node has, if any; nothing (and no error) otherwise.
    case auto
    /// The GPUs of whichever vendor this node has; an error when it has none (bare --gpu).
    case any
    /// This vendor's GPUs; an error when the node has none.
    case vendor(String)

    /// Parses a --gpu value or the policy's gpu.default.
    public init?(_ text: String) {
        switch text {
        case "none": self = .none
        case "auto": self = .auto
        case "any": self = .any
        case "": return nil
        default:
            guard text.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else { return nil }
            self = .vendor(text)
        }
    }

    public var description: String {
        switch self {
        case .none: return "none"
        case .auto: return "auto"
        case .any: return "any"
        case .vendor(let name): return name
        }
    }
}
