import GourdFormats

/// Reads a site policy (TOML) into a `Policy`. Strict: an unknown key, a value of the wrong
/// type or an invalid value is an error naming the file, the line and the key, because a
/// policy silently half-applied is worse than none. The schema is in the README.
public struct PolicyParser {
    let file: String
    /// The whole document, for the lines of keys in messages and origins.
    let root: TOMLNode

    public static func parse(_ text: String, file: String) throws(PolicyError) -> Policy {
        let root: TOMLNode
        do {
            root = try TOMLNode.parse(text)
        } catch {
            throw .syntax(file: file, line: error.line, column: error.column, message: error.message)
        }
        return try PolicyParser(file: file, root: root).policy(root)
    }

    func origin(_ path: [String], occurrence: Int? = nil) -> PolicyOrigin {
        var key = path.joined(by: ".")
        if let occurrence { key = path[0] + "[\(occurrence)]" + path.dropFirst().map { "." + $0 }.joined() }
        return PolicyOrigin(file: file, line: root.line(of: path, occurrence: occurrence), key: key)
    }

    func invalid(_ path: [String], occurrence: Int? = nil, _ message: String) -> PolicyError {
        .invalid(origin(path, occurrence: occurrence), message: message)
    }

    // MARK: sections

    func policy(_ root: TOMLNode) throws(PolicyError) -> Policy {
        try allowOnly(["bind", "binds", "images", "devices", "gpu", "environment", "serving", "warm"], in: root, at: [])
        var policy = Policy(file: file)
        if let value = root["bind"] {
            guard let array = value.array else { throw invalid(["bind"], "expected [[bind]] tables") }
            for index in 0..<array.count {
                guard array[index].isTable else { throw invalid(["bind"], occurrence: index, "expected a table") }
                policy.binds.append(try bind(array[index], occurrence: index))
            }
        }
        if let binds = try table(root, "binds", at: []) {
            try allowOnly(["allow", "deny", "deny_other_homes"], in: binds, at: ["binds"])
            policy.userBinds.allow = try pathRules(binds, "allow", at: ["binds"])
            policy.userBinds.deny = try pathRules(binds, "deny", at: ["binds"])
            if try bool(binds, "deny_other_homes", at: ["binds"]) == true {
                policy.userBinds.denyOtherHomes = origin(["binds", "deny_other_homes"])
            }
        }
        if let images = try table(root, "images", at: []) {
            try allowOnly(["allow_dirs", "allow_owners", "sha256"], in: images, at: ["images"])
            policy.images.allowDirectories = try pathRules(images, "allow_dirs", at: ["images"])
            policy.images.allowOwners = try strings(images, "allow_owners", at: ["images"])
                .map { PathRule(path: $0, origin: origin(["images", "allow_owners"])) }
            policy.images.sha256 = try digests(images)
        }
        if let devices = try table(root, "devices", at: []) {
            try allowOnly(["default", "bind"], in: devices, at: ["devices"])
            if let text = try string(devices, "default", at: ["devices"]) {
                guard let mode = DeviceMode(rawValue: text) else {
                    throw invalid(["devices", "default"], "'\(text)' is not minimal or host")
                }
                policy.devices.mode = mode
                policy.devices.modeOrigin = origin(["devices", "default"])
            }
            if let extra = try optionalStrings(devices, "bind", at: ["devices"]) {
                for path in extra where !path.hasPrefix("/dev/") {
                    throw invalid(["devices", "bind"], "'\(path)' is not under /dev/")
                }
                policy.devices.extra = extra
                policy.devices.extraOrigin = origin(["devices", "bind"])
            }
        }
        if let gpu = try table(root, "gpu", at: []) { policy.gpu = try self.gpu(gpu) }
        if let environment = try table(root, "environment", at: []) {
            try allowOnly(["set", "forbid"], in: environment, at: ["environment"])
            policy.environment.set = try variables(environment, "set", at: ["environment"])
            for name in try strings(environment, "forbid", at: ["environment"]) {
                guard EnvironmentRules.isValidName(name) else {
                    throw invalid(["environment", "forbid"], "'\(name)' is not a variable name")
                }
                policy.environment.forbid.append(PathRule(path: name, origin: origin(["environment", "forbid"])))
            }
        }
        if let serving = try table(root, "serving", at: []) { policy.serving = try self.serving(serving) }
        if let warm = try table(root, "warm", at: []) { policy.warm = try self.warm(warm) }
        return policy
    }

    /// `[serving]`: cache_mb (1 to ServingPlan.maxCacheMiB), threads (0: one per CPU) and
    /// spin_us (0 to 1000).
    func serving(_ table: TOMLNode) throws(PolicyError) -> ServingPolicy {
        try allowOnly(["cache_mb", "threads", "spin_us"], in: table, at: ["serving"])
        var result = ServingPolicy(origin: origin(["serving"]))
        func integer(_ key: String, _ range: ClosedRange<Int>) throws(PolicyError) -> Int? {
            guard let node = table[key] else { return nil }
            guard case .integer(let value) = node.value, range.contains(value) else {
                throw invalid(["serving", key], "expected an integer from \(range.lowerBound) to \(range.upperBound)")
            }
            return value
        }
        result.cacheMiB = try integer("cache_mb", 1...ServingPlan.maxCacheMiB)
        result.threads = try integer("threads", 0...ServingPlan.maxThreads)
        result.spinMicroseconds = try integer("spin_us", ServingPlan.spinRange)
        return result
    }

    func bind(_ table: TOMLNode, occurrence: Int) throws(PolicyError) -> PolicyBind {
        let at = ["bind"]
        for key in table.keys where !["source", "destination", "readonly", "required"].contains(key) {
            throw invalid(at + [key], occurrence: occurrence, "unknown key (expected source, destination, readonly, required)")
        }
        guard let source = table["source"]?.string, !source.isEmpty else {
            throw invalid(at + ["source"], occurrence: occurrence, "each [[bind]] needs a non-empty string source")
        }
        func flag(_ key: String) throws(PolicyError) -> Bool {
            guard let value = table[key] else { return false }
            guard let bool = value.bool else { throw invalid(at + [key], occurrence: occurrence, "expected true or false") }
            return bool
        }
        var destination: String?
        if let value = table["destination"] {
            guard let text = value.string, text.hasPrefix("/") || text.hasPrefix("$") else {
                throw invalid(at + ["destination"], occurrence: occurrence, "expected an absolute path")
            }
            destination = text
        }
        return PolicyBind(
            source: source, destination: destination, readOnly: try flag("readonly"),
            required: try flag("required"), origin: origin(at + ["source"], occurrence: occurrence))
    }

    func digests(_ images: TOMLNode) throws(PolicyError) -> [PathRule] {
        var result: [PathRule] = []
        for text in try strings(images, "sha256", at: ["images"]) {
            let digest = text.hasPrefix("sha256:") ? String(text.dropFirst(7)) : text
            guard digest.count == 64, digest.allSatisfy(\.isHexDigit) else {
                throw invalid(["images", "sha256"], "'\(text)' is not a sha256 digest (64 hexadecimal digits)")
            }
            result.append(PathRule(path: digest.lowercased(), origin: origin(["images", "sha256"])))
        }
        return result
    }
}
