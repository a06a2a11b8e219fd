import GourdFormats

extension PolicyParser {
    /// `[warm]`: linger = SECONDS (1 to WarmPlan.maxLingerSeconds) or "off".
    func warm(_ table: TOMLNode) throws(PolicyError) -> WarmPolicy {
        try allowOnly(["linger"], in: table, at: ["warm"])
        var result = WarmPolicy(origin: origin(["warm", "linger"]))
        guard let node = table["linger"] else { return WarmPolicy() }
        switch node.value {
        case .integer(let value) where value >= 1 && value <= WarmPlan.maxLingerSeconds: result.lingerSeconds = value
        case .string("off"): result.lingerSeconds = 0
        default: throw invalid(["warm", "linger"], "expected \"off\" or an integer from 1 to \(WarmPlan.maxLingerSeconds)")
        }
        return result
    }
}
