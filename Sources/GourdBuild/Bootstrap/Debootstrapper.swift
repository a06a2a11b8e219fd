import CGourdBuild
import Glibc
import GourdCore
import GourdFormats
import GourdRuntime

/// `Bootstrap: debootstrap`: the host's debootstrap fills the root, unprivileged. It runs in
/// the build's user namespace as its root, in mount and PID namespaces of its own, with the
/// fake-root seccomp filter (its dpkg chowns, its mknod of devices pretends) and a /dev
/// already holding the nodes it would make; it mounts /proc in the root itself. Needs
/// debootstrap on the host and the mirror reachable.
struct Debootstrapper {
    let bootstrapper: Bootstrapper

    func run(suite: String, mirror: String, include: [String]) throws(BuildError) -> BaseImage {
        guard let debootstrap = Packer.find("debootstrap") else {
            throw BuildError("debootstrap is not installed on this host (Debian: apt-get install debootstrap); or start from a local image")
        }
        let log = bootstrapper.log
        let workspace = bootstrapper.workspace
        log.step("bootstrap: debootstrap \(suite) from \(mirror) (minutes; needs the mirror)")
        // In a log, debootstrap's hundreds of lines go aside and only its end is shown on failure.
        let logPath = workspace.path + "/debootstrap.log"
        let output = log.terminal && !log.quiet ? -1 : open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        defer { if output >= 0 { close(output) } }
        let argv =
            [debootstrap, "--variant=minbase"] + (include.isEmpty ? [] : ["--include=" + include.joined(by: ",")])
            + [suite, workspace.root, mirror]
        var environment = ScriptRunner.environment(base: BaseImage(), extra: ["DEBIAN_FRONTEND=noninteractive"])
        // The host's PATH: debootstrap runs host tools (wget, gpgv, ar, tar).
        environment.removeAll { $0.hasPrefix("PATH=") }
        environment.append("PATH=" + EnvironmentRules.defaultPath)
        let code = try ScriptRunner(workspace: workspace, signals: bootstrapper.signals)
            .run(argv, environment: environment, readOnly: false, tmp: nil, what: "debootstrap", enterRoot: false, output: output)
        guard code == 0 else {
            // debootstrap keeps its own log in the root while it works.
            let own = bootstrapper.writer.read(ArchivePath.imageComponents("debootstrap/debootstrap.log"), limit: 64 << 20)
            var detail = ""
            if let text = own.map({ String(decoding: $0, as: UTF8.self) }) ?? (output >= 0 ? Packer.readText(logPath) : nil) {
                detail = ": " + text.split(separator: "\n").suffix(3).joined(by: " / ")
            }
            throw BuildError("debootstrap \(suite) \(mirror) failed with exit status \(code)\(detail)")
        }
        // debootstrap copies the host's resolv.conf and hostname: the image should not carry
        // them (gourd binds the host's resolv.conf at run time).
        let writer = bootstrapper.writer
        for path in ["etc/resolv.conf", "etc/hostname"] {
            let parts = ArchivePath.imageComponents(path)
            if writer.lstatInside(parts) != nil { try writer.file(parts, mode: 0o644, contents: []) }
        }
        var base = BaseImage()
        base.bases = [.init(source: "debootstrap:\(suite) \(mirror)", digest: try releaseDigest(suite: suite))]
        return base
    }

    /// The suite's Release file as debootstrap fetched (and verified) it: what names the
    /// package versions installed. "unknown" when it is not kept.
    func releaseDigest(suite: String) throws(BuildError) -> String {
        let writer = bootstrapper.writer
        let lists = ArchivePath.imageComponents("var/lib/apt/lists")
        for name in writer.children(lists) ?? [] {
            let text = String(decoding: name, as: UTF8.self)
            guard text.hasSuffix("_dists_\(suite)_Release") || text.hasSuffix("_dists_\(suite)_InRelease") else { continue }
            guard let bytes = writer.read(lists + [name], limit: 16 << 20) else { continue }
            return Digests.sha256(bytes)
        }
        return "unknown"
    }
}
