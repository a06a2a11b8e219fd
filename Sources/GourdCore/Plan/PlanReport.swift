#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `gourd plan` output: the resolved plan, every entry with the reason it is there.
public enum PlanReport {
    public static func json(_ plan: LaunchPlan) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(plan) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    public static func text(_ plan: LaunchPlan) -> String {
        var out: [String] = []
        out.append("image      \(plan.image.path)\(plan.image.offset > 0 ? " (squashfs at offset \(plan.image.offset))" : "")")
        out.append("policy     \(plan.policyFile ?? "none found: built-in defaults")")
        out += plan.imageChecks.map { "           image allowed: \($0)" }
        let id = plan.identity
        out.append(
            "identity   uid \(id.uid) (\(id.userName)) and gid \(id.gid) (\(id.groupName)) mapped to themselves; setgroups denied; no capabilities; no-new-privs"
        )
        out.append("argv       \(plan.argv.map(ShellQuote.quote).joined(by: " "))")
        out.append("workdir    \(plan.workdir)")
        if !plan.namespaces.isEmpty { out.append("namespaces also \(plan.namespaces.summary)") }
        if let overlay = plan.overlay { out.append("root       \(overlay.summary)") }
        out.append(
            "container  "
                + (plan.share.map { "shared with the other ranks of \($0.key) [\($0.reason)]" } ?? "its own (no other ranks to share with)")
        )
        if let kernel = plan.kernel {
            let lines =
                kernel.isComplete ? ["mount API: openat2, open_tree + move_mount, mount_setattr, close_range"] : kernel.fallbackLines
            out.append("kernel     " + lines.joined(by: "\n           "))
        }
        out.append("warm       " + warmLine(plan.warm))
        let threads = plan.serving.threads == 0 ? "one per CPU" : "\(plan.serving.threads)"
        out.append(
            "serving    FUSE with \(threads) threads, \(plan.serving.cacheMiB) MiB block cache, "
                + "watch up to \(plan.serving.spinMicroseconds) us [\(plan.serving.reason)]")
        out.append("")
        out.append("mounts, in order (image root: read-only, nosuid, nodev)")
        if !plan.addedMountPoints.isEmpty {
            out.append(
                "  mount points the image lacks, added by gourd's FUSE server: \(plan.addedMountPoints.map(\.path).joined(by: ", "))"
            )
        }
        for mount in plan.mounts { out.append("  " + line(mount)) }
        out.append("")
        out.append("devices")
        for device in plan.devices { out.append("  \(pad(device.path, 24)) \(device.reason)") }
        out.append("")
        out.append("environment (differences from yours)")
        for change in plan.environmentChanges {
            let what = change.value.map { "\(change.name)=\($0)" } ?? "unset \(change.name)"
            out.append("  \(what)    [\(change.reason)]")
        }
        if !plan.notes.isEmpty {
            out.append("")
            out.append("notes")
            out += plan.notes.map { "  " + $0 }
        }
        if !plan.warnings.isEmpty {
            out.append("")
            out.append("warnings")
            out += plan.warnings.map { "  " + $0 }
        }
        return out.joined(by: "\n") + "\n"
    }

    static func warmLine(_ warm: WarmPlan) -> String {
        guard warm.enabled else { return "no: \(warm.reason)" }
        var text = "yes, linger \(warm.lingerSeconds) s [\(warm.reason)]; scope \(warm.scope ?? "?")"
        if let server = warm.server { text += "; server \(server)" }
        return text
    }

    static func line(_ mount: Mount) -> String {
        let source: String
        switch mount.kind {
        case .bind(let path): source = path
        case .generated(let name): source = "generated \(name)"
        case .proc: source = "proc"
        case .tmpfs(let entries): source = "tmpfs (\(entries.count) entries)"
        }
        var flags = [mount.readOnly ? "ro" : "rw"]
        if mount.noSuid { flags.append("nosuid") }
        if mount.noDev { flags.append("nodev") }
        if mount.noExec { flags.append("noexec") }
        if mount.recursive { flags.append("rbind") }
        if mount.optional { flags.append("optional") }
        return "\(pad(mount.destination, 24)) <- \(pad(source, 28)) \(flags.joined(by: ",")) [\(mount.reason)]"
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
