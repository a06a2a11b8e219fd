struct GPUSelector {
    let vendor: GPUVendor
    let hostFS: any HostFileSystem
    let host: HostContext

    var pattern: DevicePattern? { vendor.perGPU.first.flatMap(DevicePattern.init) }

    /// GPU numbers whose node exists, sorted.
    func present() -> [Int] {
        guard let pattern else { return [] }
        return (hostFS.list(pattern.directory) ?? [])
            .compactMap(pattern.gpu(named:))
            .filter { hostFS.kind(pattern.path(gpu: $0)) == .other }
            .sorted()
    }

    func select() throws(PlanError) -> GPUSelection {
        guard let pattern else { return GPUSelection(vendor: vendor, gpus: [], reason: "", environment: [], notes: []) }
        let present = present()
        let accessible = present.filter { hostFS.deviceAccess(pattern.path(gpu: $0)) == .allowed }
        var notes = present.filter { !accessible.contains($0) }.map {
            "\(pattern.path(gpu: $0)): not bound, this process may not open it (device cgroup)"
        }
        // Under a device cgroup the scheduler renumbers and its variables cannot say which
        // physical GPU a task got (Slurm's per-task binding gives SLURM_STEP_GPUS=0 for
        // /dev/nvidia1): the nodes the cgroup lets us open are the allocation. Without one,
        // a scheduler variable names global GPU numbers.
        var chosen = accessible
        var reasons = [accessible.count < present.count ? "the GPUs the device cgroup allows" : "the GPUs this process may open"]
        if accessible.count == present.count, let (name, value) = firstSet(vendor.allocationVariables) {
            guard let wanted = Self.numbers(value) else { throw .badGPUVariable(name: name, value: value) }
            for gpu in wanted where !accessible.contains(gpu) {
                notes.append("GPU \(gpu) from \(name) is not present: not bound")
            }
            chosen = accessible.filter(wanted.contains)
            reasons = ["\(name)=\(value)"]
        }
        var environment: [EnvironmentVariable] = []
        if let (name, value) = firstSet(vendor.visibleVariables) {
            reasons.append("\(name)=\(value)")
            if let visible = narrow(value, name: name, accessible: accessible, chosen: chosen, notes: &notes) {
                chosen = chosen.filter(visible.contains)
                let inside = visible.filter(chosen.contains).compactMap { chosen.firstIndex(of: $0) }
                for other in vendor.visibleVariables where host.variable(other) != nil || other == name {
                    environment.append(EnvironmentVariable(other, inside.map(String.init).joined(by: ",")))
                }
            }
        }
        return GPUSelection(
            vendor: vendor, gpus: chosen, reason: reasons.joined(by: ", "),
            environment: environment, notes: notes)
    }

    /// The GPU numbers a visible-devices value names, in its order; nil when it cannot be
    /// mapped (UUIDs without the driver's /proc table): then the variable is left as it is.
    func narrow(_ value: String, name: String, accessible: [Int], chosen: [Int], notes: inout [String]) -> [Int]? {
        let items = value.split(separator: ",").map { String($0).trimmingSpaces() }
        if items.isEmpty || items == ["-1"] || items == ["NoDevFiles"] || items == ["none"] { return [] }
        var result: [Int] = []
        let uuids = items.contains(where: { Int($0) == nil }) ? uuidTable() : [:]
        for item in items {
            if let index = Int(item) {
                guard index >= 0 && index < accessible.count else {
                    notes.append("\(name) entry \(item) names no GPU this process may open: ignored")
                    continue
                }
                result.append(accessible[index])
            } else if let gpu = uuids[item] ?? uuids.first(where: { item.hasPrefix($0.key) })?.value {
                result.append(gpu)
            } else {
                notes.append("\(name)=\(value): cannot map '\(item)' to a device node; left unchanged")
                return nil
            }
        }
        return result
    }

    /// NVIDIA's driver lists each GPU in /proc/driver/nvidia/gpus/BUS/information with its
    /// "GPU UUID" and "Device Minor": the only way to map a UUID to /dev/nvidiaN without NVML.
    func uuidTable() -> [String: Int] {
        let base = "/proc/driver/nvidia/gpus"
        var table: [String: Int] = [:]
        for bus in hostFS.list(base) ?? [] {
            guard let bytes = hostFS.readFile(base + "/" + bus + "/information", limit: 8192) else { continue }
            var uuid: String?
            var minor: Int?
            for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
                let parts = line.split(separator: ":", maxSplits: 1).map { String($0).trimmingSpaces() }
                guard parts.count == 2 else { continue }
                if parts[0] == "GPU UUID" { uuid = parts[1] }
                if parts[0] == "Device Minor" { minor = Int(parts[1]) }
            }
            if let uuid, let minor { table[uuid] = minor }
        }
        return table
    }

    func firstSet(_ names: [String]) -> (String, String)? {
        for name in names { if let value = host.variable(name) { return (name, value) } }
        return nil
    }

    /// "0,2-3" -> [0, 2, 3]; nil when malformed.
    static func numbers(_ text: String) -> [Int]? {
        var result: [Int] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: true) {
            let bounds = item.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingSpaces()) }
            switch bounds.count {
            case 1:
                guard let n = bounds[0], n >= 0 else { return nil }
                result.append(n)
            case 2:
                guard let low = bounds[0], let high = bounds[1], low >= 0, low <= high, high - low < 4096 else { return nil }
                result += Array(low...high)
            default:
                return nil
            }
        }
        return result
    }
}
