import Testing

@testable import GourdCore

/// A fake host whose directories report a file system type (statfs f_type), for the checks of
/// an overlay's upper layer.
struct TypedHost: HostFileSystem {
    var base: FakeHost
    var types: [String: UInt64] = [:]
    /// Files whose bytes are not UTF-8 text (FakeHost holds strings).
    var bytes: [String: [UInt8]] = ["/scratch/ext3.img": Array(repeating: 0, count: 1080) + [0x53, 0xEF]]

    func realPath(_ path: String) -> String? { base.realPath(path) }
    func kind(_ path: String) -> FileKind? { base.kind(path) }
    func list(_ path: String) -> [String]? { base.list(path) }
    func read(_ path: String, offset: UInt64, count: Int) -> [UInt8]? {
        if let data = bytes[path] { return Array(data.dropFirst(Int(offset)).prefix(count)) }
        return base.read(path, offset: offset, count: count)
    }
    func deviceAccess(_ path: String) -> DeviceAccess { base.deviceAccess(path) }
    func fileSystemType(_ path: String) -> UInt64? {
        types.first(where: { path == $0.key || path.hasPrefix($0.key + "/") })?.value
    }
}

/// --overlay and --writable-tmpfs, planned: which layers, in which order, and every refusal.
@Suite("Apptainer compatibility: overlays")
struct PlannerOverlayTests {
    static let squashfs = "hsqs" + String(repeating: "\0", count: 92)

    func host() -> FakeHost {
        var host = Fixture.host()
        host["/scratch/ov"] = .directory
        host["/scratch/old/upper/usr"] = .directory
        host["/scratch/old/work"] = .directory
        host["/scratch/plain"] = .directory
        host["/scratch/layer.sqfs"] = .file(Self.squashfs)
        host["/home/alice/project/rel.sqfs"] = .file(Self.squashfs)
        host["/scratch/notes.txt"] = .file("just text")
        host["/scratch/ext3.img"] = .file("")
        host["/scratch/overlay.sif"] = .file("#!/usr/bin/env run-singularity\n\0SIF_MAGIC")
        host["/scratch/bad/upper"] = .file("x")
        return host
    }

    func plan(_ overlays: [String], writableTmpfs: Bool = false, host: (any HostFileSystem)? = nil) throws(PlanError) -> LaunchPlan {
        var request = LaunchRequest(mode: .exec(["true"]))
        request.overlays = overlays
        request.writableTmpfs = writableTmpfs
        return try Planner(
            request: request, host: Fixture.context(), hostFS: host ?? self.host(), image: Fixture.image()
        ).plan(image: Fixture.location)
    }

    func reason(_ overlays: [String], host: (any HostFileSystem)? = nil) -> String? {
        guard case .badOption("--overlay", _, let reason)? = planError({ () throws(PlanError) in try plan(overlays, host: host) })
        else { return nil }
        return reason
    }

    @Test("a directory is the writable upper layer; :ro directories and squashfs images stack under it in flag order")
    func layers() throws {
        let plan = try plan(["/scratch/plain:ro", "/scratch/ov", "rel.sqfs", "/scratch/old:ro"])
        #expect(
            plan.overlay
                == OverlayPlan(
                    layers: [
                        .init(kind: .directory, path: "/scratch/plain", spec: "/scratch/plain:ro"),
                        .init(kind: .squashfs, path: "/home/alice/project/rel.sqfs", spec: "rel.sqfs"),
                        // A directory that holds an earlier writable overlay is reused through its upper/.
                        .init(kind: .directory, path: "/scratch/old/upper", spec: "/scratch/old:ro"),
                    ],
                    upper: .directory("/scratch/ov")))
        #expect(plan.writableTmpfs == false && plan.share == nil)
        #expect(PlanReport.text(plan).contains("root       overlayfs over the image: writes in /scratch/ov/upper"))
    }

    @Test("only read-only layers: a read-only root; with --writable-tmpfs the tmpfs is the upper layer")
    func readOnlyAndTmpfs() throws {
        #expect(
            try plan(["/scratch/layer.sqfs"]).overlay
                == OverlayPlan(layers: [.init(kind: .squashfs, path: "/scratch/layer.sqfs", spec: "/scratch/layer.sqfs")]))
        let tmpfs = try plan(["/scratch/layer.sqfs"], writableTmpfs: true)
        #expect(tmpfs.overlay?.upper == .tmpfs && tmpfs.writableTmpfs)
        #expect(try plan([], writableTmpfs: true).overlay == OverlayPlan(upper: .tmpfs))
        #expect(try plan([]).overlay == nil)
        let both = try plan(["/scratch/ov"], writableTmpfs: true)
        #expect(both.overlay?.upper == .directory("/scratch/ov") && !both.writableTmpfs)
        #expect(both.notes.contains("--writable-tmpfs ignored: --overlay /scratch/ov is writable"))
    }

    @Test("bad overlays: each refused with the flag, the value and the cause")
    func refusals() {
        #expect(reason(["/scratch/missing"]) == "no such file or directory on the host")
        #expect(reason(["/scratch/ov", "/scratch/plain"]) == "only one overlay may be writable (the others need :ro)")
        #expect(reason(["/scratch/ov", "/scratch/plain:rw"]) == "only one overlay may be writable (the others need :ro)")
        #expect(reason(["/scratch/notes.txt"]) == "not a directory or a squashfs image")
        #expect(reason(["/scratch/layer.sqfs:rw"]) == "a squashfs image is read-only: drop :rw (or use a directory)")
        #expect(reason(["/scratch/ext3.img"], host: TypedHost(base: host()))?.hasPrefix("ext3 overlay images are not supported") == true)
        #expect(reason(["/scratch/overlay.sif"])?.hasPrefix("SIF overlays are not supported") == true)
        #expect(reason(["/scratch/bad"]) == "/scratch/bad/upper exists and is not a directory")
        #expect(reason([":ro"]) == "expected PATH, PATH:ro or PATH:rw")
        #expect(reason(["/dev/null"]) == "not a directory or a squashfs image")
    }

    @Test("an upper layer on NFS, FUSE or Lustre is refused; NFS is fine for a read-only layer, Lustre is not")
    func fileSystems() {
        let nfs = TypedHost(base: host(), types: ["/scratch": 0x6969])
        #expect(reason(["/scratch/ov"], host: nfs)?.hasPrefix("it is on NFS, which cannot hold an overlay's upper layer") == true)
        #expect(throws: Never.self) { try plan(["/scratch/plain:ro"], host: nfs) }
        let fuse = TypedHost(base: host(), types: ["/scratch": 0x6573_5546])
        #expect(reason(["/scratch/ov"], host: fuse)?.hasPrefix("it is on FUSE") == true)
        let lustre = TypedHost(base: host(), types: ["/scratch": 0x0BD0_0BD0])
        #expect(reason(["/scratch/plain:ro"], host: lustre) == "it is on Lustre that overlayfs cannot use as a layer")
        #expect(throws: Never.self) { try plan(["/scratch/ov"], host: TypedHost(base: host(), types: ["/scratch": 0xEF53])) }
    }

    @Test("--pwd may name a directory an overlay holds (written by an earlier launch)")
    func workdirInOverlay() throws {
        var host = host()
        host["/scratch/ov/upper/work/run"] = .directory
        var request = LaunchRequest(mode: .exec(["true"]), workdir: "/work/run")
        request.overlays = ["/scratch/ov"]
        let plan = try Planner(request: request, host: Fixture.context(), hostFS: host, image: Fixture.image()).plan(
            image: Fixture.location)
        #expect(plan.workdir == "/work/run")
        request.overlays = []
        #expect(
            planError { () throws(PlanError) in
                try Planner(request: request, host: Fixture.context(), hostFS: host, image: Fixture.image()).plan(image: Fixture.location)
            } == .badWorkdir("/work/run"))
    }

    @Test("the spec syntax and image formats")
    func syntax() {
        #expect(OverlaySpec.split("/a:b") == ("/a:b", .unspecified))
        #expect(OverlaySpec.split("/a:ro") == ("/a", .readOnly))
        #expect(OverlaySpec.split("/a:rw") == ("/a", .readWrite))
        #expect(OverlaySpec.imageFormat(Array("hsqs....".utf8)) == .squashfs)
        #expect(OverlaySpec.imageFormat([]) == .unknown)
    }

    @Test("APPTAINER_OVERLAY is a comma list, used when no --overlay was given")
    func environmentForm() throws {
        let exec = LaunchRequest(mode: .exec(["true"]))
        let request = try FlagEnvironment.apply(
            to: exec, environment: [EnvironmentVariable("APPTAINER_OVERLAY", "/a,/b:ro")])
        #expect(request.overlays == ["/a", "/b:ro"])
        var flagged = exec
        flagged.overlays = ["/c"]
        #expect(try FlagEnvironment.apply(to: flagged, environment: [EnvironmentVariable("SINGULARITY_OVERLAY", "/a")]).overlays == ["/c"])
    }

    @Test("--containall and --compat give an IPC namespace (Apptainer: --contain --cleanenv --ipc --pid)")
    func containAllIPC() throws {
        let exec = LaunchRequest(mode: .exec(["true"]))
        for key in ["APPTAINER_CONTAINALL", "SINGULARITY_COMPAT"] {
            let request = try FlagEnvironment.apply(to: exec, environment: [EnvironmentVariable(key, "1")])
            #expect(request.ipc && request.contain && request.cleanEnvironment)
        }
        #expect(try !FlagEnvironment.apply(to: exec, environment: [EnvironmentVariable("APPTAINER_CONTAIN", "1")]).ipc)
    }
}
