import GourdCore

// In-memory file trees used as planning inputs (not mocks of the launch path): the planner
// only asks `HostFileSystem` and `ImageView` questions, so a dictionary answers them exactly
// the way a real tree would, symlinks included.

/// One entry of a fake tree.
enum FakeEntry: Sendable, Equatable {
    case directory
    case file(String)
    case symlink(String)
    /// Anything else (a device node, a FIFO).
    case other
}

/// A file tree keyed by normalized absolute path. Parent directories are created implicitly.
/// Symlinks are resolved inside the tree: absolute targets start at the tree's root, ".."
/// never climbs above it, and more than `symlinkLimit` hops is treated as a loop (ELOOP).
struct FakeTree: Sendable {
    static let symlinkLimit = 40
    private(set) var entries: [String: FakeEntry] = ["/": .directory]

    init(_ entries: [String: FakeEntry] = [:]) {
        for (path, entry) in entries { self[path] = entry }
    }

    subscript(path: String) -> FakeEntry? {
        get { entries[Paths.normalize(path)] }
        set {
            let path = Paths.normalize(path)
            guard let newValue else {
                entries[path] = nil
                return
            }
            for ancestor in Paths.ancestors(path) where entries[ancestor] == nil {
                entries[ancestor] = .directory
            }
            entries[path] = newValue
        }
    }

    /// The path with every symlink resolved (including the last component), or nil when a
    /// component is missing, a non-directory is traversed, or the links loop.
    func resolve(_ path: String) -> String? {
        var resolved: [String] = []
        var pending = Array(components(path).reversed())  // a stack: last element is next
        var hops = 0
        while let component = pending.popLast() {
            switch component {
            case ".": continue
            case "..": if !resolved.isEmpty { resolved.removeLast() }
            default:
                let candidate = "/" + (resolved + [component]).joined(separator: "/")
                switch entries[candidate] {
                case nil:
                    return nil
                case .symlink(let target):
                    hops += 1
                    if hops > Self.symlinkLimit { return nil }
                    if target.hasPrefix("/") { resolved = [] }
                    pending += components(target).reversed()
                case .file, .other:
                    // Only the last component may be a non-directory.
                    if pending.contains(where: { $0 != "." }) { return nil }
                    resolved.append(component)
                case .directory:
                    resolved.append(component)
                }
            }
        }
        return "/" + resolved.joined(separator: "/")
    }

    func kind(_ path: String) -> FileKind? {
        guard let real = resolve(path) else { return nil }
        switch entries[real] {
        case .directory: return .directory
        case .file: return .file
        case .other: return .other
        case .symlink, nil: return nil  // cannot happen after resolve
        }
    }

    func contents(_ path: String) -> String? {
        guard let real = resolve(path), case .file(let text) = entries[real] else { return nil }
        return text
    }

    /// Entry names of a directory, in reverse name order on purpose: callers that promise an
    /// order must sort themselves.
    func list(_ path: String) -> [String]? {
        guard let real = resolve(path), entries[real] == .directory else { return nil }
        return entries.keys
            .filter { $0 != "/" && Paths.parent(of: $0) == real }
            .map(Paths.lastComponent)
            .sorted(by: >)
    }

    private func components(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }
}

/// The image as the planner sees it.
struct FakeImage: ImageView, Sendable {
    var tree: FakeTree

    init(_ entries: [String: FakeEntry] = [:]) { tree = FakeTree(entries) }

    subscript(path: String) -> FakeEntry? {
        get { tree[path] }
        set { tree[path] = newValue }
    }

    func kind(_ path: String) -> FileKind? { tree.kind(path) }

    func read(_ path: String, offset: UInt64, count: Int) -> [UInt8]? {
        tree.contents(path).map { Array(Array($0.utf8).dropFirst(Int(offset)).prefix(count)) }
    }

    func list(_ path: String) -> [String]? { tree.list(path) }
}

/// The host as the planner sees it.
struct FakeHost: HostFileSystem, Sendable {
    var tree: FakeTree

    init(_ entries: [String: FakeEntry] = [:]) { tree = FakeTree(entries) }

    subscript(path: String) -> FakeEntry? {
        get { tree[path] }
        set { tree[path] = newValue }
    }

    /// Device nodes a (fake) device cgroup forbids.
    var forbidden: Set<String> = []

    func realPath(_ path: String) -> String? { tree.resolve(path) }
    func kind(_ path: String) -> FileKind? { tree.kind(path) }
    func list(_ path: String) -> [String]? { tree.list(path) }

    func read(_ path: String, offset: UInt64, count: Int) -> [UInt8]? {
        tree.contents(path).map { Array(Array($0.utf8).dropFirst(Int(offset)).prefix(count)) }
    }

    func deviceAccess(_ path: String) -> DeviceAccess {
        guard let real = tree.resolve(path) else { return .missing }
        return forbidden.contains(real) ? .forbidden : .allowed
    }
}

// MARK: - Fixtures

enum Fixture {
    static let alice = Identity(
        uid: 1000, gid: 1000, userName: "alice", groupName: "alice",
        home: "/home/alice", shell: "/bin/bash", gecos: "Alice Liddell")

    /// A plausible host: /home/alice with a project, /tmp, /dev, /sys, /etc files, /scratch.
    static func host() -> FakeHost {
        FakeHost([
            "/home/alice/project/src": .directory,
            "/home/alice/notes.txt": .file("notes"),
            "/home/bob": .directory,
            "/tmp": .directory,
            "/dev/null": .other,
            "/sys/class": .directory,
            "/etc/hosts": .file("127.0.0.1 localhost\n"),
            "/etc/resolv.conf": .file("nameserver 10.0.0.1\n"),
            "/etc/localtime": .symlink("/usr/share/zoneinfo/UTC"),
            "/usr/share/zoneinfo/UTC": .file("TZif"),
            "/scratch/data": .directory,
            "/scratch/input.csv": .file("a,b\n"),
        ])
    }

    /// A plausible image: the usual top-level directories, an empty /home, /bin/sh and bash.
    static func image() -> FakeImage {
        FakeImage([
            "/proc": .directory,
            "/dev": .directory,
            "/sys": .directory,
            "/tmp": .directory,
            "/home": .directory,
            "/etc/passwd": .file("root:x:0:0:root:/root:/bin/sh\n"),
            "/etc/group": .file("root:x:0:\n"),
            "/etc/hosts": .file(""),
            "/bin/sh": .file("ELF"),
            "/bin/bash": .file("ELF"),
            "/usr/bin/env": .file("ELF"),
            "/mnt": .directory,
            "/opt/config.txt": .file("x"),
        ])
    }

    static func context(
        cwd: String = "/home/alice/project", environment: [EnvironmentVariable] = [],
        identity: Identity = alice
    ) -> HostContext {
        HostContext(identity: identity, cwd: cwd, environment: environment)
    }

    static let location = ImageLocation(path: "/images/app.sif", offset: 4096)

    static func plan(
        _ request: LaunchRequest, host: FakeHost = host(), image: FakeImage = image(),
        context: HostContext = context()
    ) throws(PlanError) -> LaunchPlan {
        try Planner(request: request, host: context, hostFS: host, image: image).plan(image: location)
    }
}

/// Runs `body` and returns the PlanError it threw, or nil when it succeeded.
func planError<T>(_ body: () throws(PlanError) -> T) -> PlanError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

func env(_ pairs: KeyValuePairs<String, String>) -> [EnvironmentVariable] {
    pairs.map { EnvironmentVariable($0.key, $0.value) }
}

extension LaunchPlan {
    func mount(at destination: String) -> Mount? {
        mounts.last(where: { $0.destination == destination })
    }

    func generatedFile(_ name: String) -> String? {
        generatedFiles.first(where: { $0.name == name })?.contents
    }
}
