import GourdFormats

/// `[gpu]` and `[gpu.VENDOR]`, and the typed accessors every section uses.
extension PolicyParser {
    static let vendorKeys = [
        "per_gpu", "devices", "libraries", "binaries", "library_dirs", "binary_dirs",
        "allocation_variables", "visible_variables", "environment",
    ]

    func gpu(_ gpu: TOMLNode) throws(PolicyError) -> GPUPolicy {
        var result = GPUPolicy()
        for key in gpu.keys where key != "default" {
            let at = ["gpu", key]
            guard let table = gpu[key], table.isTable else {
                throw invalid(at, "unknown key (expected default, or a [gpu.VENDOR] table)")
            }
            try allowOnly(Self.vendorKeys, in: table, at: at)
            let base = result.vendor(named: key)
            guard base != nil || table["per_gpu"] != nil else {
                throw invalid(at, "a vendor gourd does not know needs per_gpu (e.g. [\"/dev/accel{N}\"])")
            }
            var vendor =
                base
                ?? GPUVendor(
                    name: key, perGPU: [], devices: [], libraries: [], binaries: [],
                    allocationVariables: [], visibleVariables: [])
            vendor.origin = origin(at)
            if let list = try optionalStrings(table, "per_gpu", at: at) {
                for pattern in list where DevicePattern(pattern) == nil {
                    throw invalid(at + ["per_gpu"], "'\(pattern)' must be an absolute path with {N} or {N+OFFSET} in its last component")
                }
                vendor.perGPU = list
            }
            if let list = try optionalStrings(table, "devices", at: at) { vendor.devices = list }
            if let list = try optionalStrings(table, "libraries", at: at) { vendor.libraries = list }
            if let list = try optionalStrings(table, "binaries", at: at) { vendor.binaries = list }
            if let list = try optionalStrings(table, "library_dirs", at: at) { vendor.libraryDirectories = list }
            if let list = try optionalStrings(table, "binary_dirs", at: at) { vendor.binaryDirectories = list }
            if let list = try optionalStrings(table, "allocation_variables", at: at) { vendor.allocationVariables = list }
            if let list = try optionalStrings(table, "visible_variables", at: at) { vendor.visibleVariables = list }
            if table["environment"] != nil { vendor.environment = try variables(table, "environment", at: at) }
            if let index = result.vendors.firstIndex(where: { $0.name == key }) {
                result.vendors[index] = vendor
            } else {
                result.vendors.append(vendor)
            }
        }
        if let text = try string(gpu, "default", at: ["gpu"]) {
            guard let choice = GPUChoice(text), choice != .any else {
                throw invalid(["gpu", "default"], "'\(text)' is not none, auto or a vendor name")
            }
            if case .vendor(let name) = choice, result.vendor(named: name) == nil {
                throw invalid(
                    ["gpu", "default"], "no vendor named '\(name)' (known: \(result.vendors.map(\.name).joined(by: ", ")))")
            }
            result.defaultChoice = choice
            result.defaultOrigin = origin(["gpu", "default"])
        }
        return result
    }

    // MARK: typed accessors

    func allowOnly(_ keys: [String], in table: TOMLNode, at path: [String]) throws(PolicyError) {
        for key in table.keys where !keys.contains(key) {
            throw invalid(path + [key], "unknown key (expected \(keys.joined(by: ", ")))")
        }
    }

    func table(_ parent: TOMLNode, _ key: String, at path: [String]) throws(PolicyError) -> TOMLNode? {
        guard let value = parent[key] else { return nil }
        guard value.isTable else { throw invalid(path + [key], "expected a table") }
        return value
    }

    func string(_ table: TOMLNode, _ key: String, at path: [String]) throws(PolicyError) -> String? {
        guard let value = table[key] else { return nil }
        guard let text = value.string else { throw invalid(path + [key], "expected a string, found \(value.typeName)") }
        return text
    }

    func bool(_ table: TOMLNode, _ key: String, at path: [String]) throws(PolicyError) -> Bool? {
        guard let value = table[key] else { return nil }
        guard let flag = value.bool else { throw invalid(path + [key], "expected true or false, found \(value.typeName)") }
        return flag
    }

    func optionalStrings(_ table: TOMLNode, _ key: String, at path: [String]) throws(PolicyError) -> [String]? {
        guard let value = table[key] else { return nil }
        guard let array = value.array else { throw invalid(path + [key], "expected an array of strings, found \(value.typeName)") }
        var result: [String] = []
        for index in 0..<array.count {
            guard let text = array[index].string, !text.isEmpty else {
                throw invalid(path + [key], "entry \(index + 1) is not a non-empty string")
            }
            result.append(text)
        }
        return result
    }

    func strings(_ table: TOMLNode, _ key: String, at path: [String]) throws(PolicyError) -> [String] {
        try optionalStrings(table, key, at: path) ?? []
    }

    /// Absolute paths (or paths starting with a variable), each with its origin.
    func pathRules(_ table: TOMLNode, _ key: String, at path: [String]) throws(PolicyError) -> [PathRule] {
        var result: [PathRule] = []
        for text in try strings(table, key, at: path) {
            guard text.hasPrefix("/") || text.hasPrefix("$") else {
                throw invalid(path + [key], "'\(text)' is not an absolute path")
            }
            result.append(PathRule(path: text, origin: origin(path + [key])))
        }
        return result
    }

    /// A table of NAME = "value" strings.
    func variables(_ parent: TOMLNode, _ key: String, at path: [String]) throws(PolicyError) -> [PolicyVariable] {
        guard let table = try table(parent, key, at: path) else { return [] }
        var result: [PolicyVariable] = []
        for name in table.keys.sorted() {
            guard EnvironmentRules.isValidName(name) else { throw invalid(path + [key, name], "not a variable name") }
            guard let value = table[name]?.string else { throw invalid(path + [key, name], "expected a string value") }
            result.append(PolicyVariable(name: name, value: value, origin: origin(path + [key, name])))
        }
        return result
    }
}
