import Testing

@testable import GourdCore

/// Apptainer's default mounts and containment options, planned.
@Suite("Apptainer compatibility: mounts")
struct PlannerCompatTests {
    let exec = LaunchRequest(mode: .exec(["./run.sh"]))

    func request(_ change: (inout LaunchRequest) -> Void) -> LaunchRequest {
        var request = exec
        change(&request)
        return request
    }

    @Test("the current directory is bound at its path and the workload starts there")
    func currentDirectory() throws {
        let plan = try Fixture.plan(exec, context: Fixture.context(cwd: "/scratch/data"))
        #expect(
            plan.mount(at: "/scratch/data")
                == Mount(
                    kind: .bind(source: "/scratch/data"), destination: "/scratch/data",
                    reason: "default: the current directory"))
        #expect(plan.workdir == "/scratch/data")
        #expect(plan.addedMountPoints.contains(AddedMountPoint(path: "/scratch/data", isDirectory: true)))
    }

    @Test("no current-directory bind when home or /tmp already shows it, a system directory, --contain or --no-mount cwd")
    func currentDirectorySkipped() throws {
        #expect(try Fixture.plan(exec).mounts.filter { $0.reason == "default: the current directory" }.isEmpty)
        var host = Fixture.host()
        host["/usr"] = .directory
        #expect(try Fixture.plan(exec, host: host, context: Fixture.context(cwd: "/usr")).mount(at: "/usr") == nil)
        for change in [{ (r: inout LaunchRequest) in r.contain = true }, { (r: inout LaunchRequest) in r.noMount = ["cwd"] }] {
            let plan = try Fixture.plan(request(change), context: Fixture.context(cwd: "/scratch/data"))
            #expect(plan.mount(at: "/scratch/data") == nil)
        }
    }

    @Test("host /var/tmp is shared when the image has /var/tmp")
    func varTmp() throws {
        var host = Fixture.host()
        host["/var/tmp"] = .directory
        var image = Fixture.image()
        image["/var/tmp"] = .directory
        let plan = try Fixture.plan(exec, host: host, image: image)
        #expect(
            plan.mount(at: "/var/tmp")
                == Mount(
                    kind: .bind(source: "/var/tmp"), destination: "/var/tmp", optional: true,
                    reason: "default: host /var/tmp"))
        #expect(try Fixture.plan(exec, host: host).mount(at: "/var/tmp") == nil, "an image without /var/tmp")
    }

    @Test("-B takes Apptainer's comma lists; options after a destination belong to it")
    func bindLists() throws {
        let specs = try BindSpec.parseList("/a,/b:/mnt/b:ro,/c:/mnt/c,rw", origin: "--bind", cwd: "/w")
        #expect(
            specs == [
                BindSpec(source: "/a", destination: "/a", readOnly: false, origin: "--bind"),
                BindSpec(source: "/b", destination: "/mnt/b", readOnly: true, origin: "--bind"),
                BindSpec(source: "/c", destination: "/mnt/c", readOnly: false, origin: "--bind"),
            ])
        let plan = try Fixture.plan(LaunchRequest(mode: .exec(["ls"]), binds: ["/scratch/data:/mnt/d:ro,/scratch/input.csv:/mnt/in.csv"]))
        #expect(plan.mount(at: "/mnt/d")?.readOnly == true)
        #expect(plan.mount(at: "/mnt/in.csv")?.kind == .bind(source: "/scratch/input.csv"))
    }

    @Test(
        "image-src= and id= are refused with the reason",
        arguments: ["/img.sqfs:/mnt:image-src=/sub", "/img.sqfs:/mnt,id=2", "/d:/mnt:ro,id=4"])
    func imageBindOptions(text: String) {
        let error = planError { () throws(PlanError) in try BindSpec.parseList(text, origin: "--bind", cwd: "/") }
        guard case .badBind(_, "--bind", let reason)? = error else {
            Issue.record("\(String(describing: error))")
            return
        }
        #expect(reason.contains("binds from inside an image file, which gourd does not support"))
    }

    @Test("--contain: no host home, /tmp, /var/tmp or current directory; private writable ones")
    func contain() throws {
        var image = Fixture.image()
        image["/var/tmp"] = .directory
        var host = Fixture.host()
        host["/var/tmp"] = .directory
        let plan = try Fixture.plan(
            request { $0.contain = true }, host: host, image: image,
            context: Fixture.context(cwd: "/scratch/data"))
        for path in ["/tmp", "/var/tmp", "/home/alice"] {
            #expect(plan.mount(at: path)?.kind == .tmpfs(entries: []), "\(path)")
            #expect(plan.mount(at: path)?.readOnly == false, "\(path)")
        }
        #expect(
            !plan.mounts.contains(where: {
                if case .bind(let source) = $0.kind {
                    return source.hasPrefix("/home") || source.hasPrefix("/tmp") || source.hasPrefix("/scratch")
                } else {
                    return false
                }
            }))
        #expect(plan.workdir == "/home/alice")
    }

    @Test("--contain --workdir: /tmp and /var/tmp from the work directory, as Apptainer names them")
    func containWorkdir() throws {
        var host = Fixture.host()
        host["/work/tmp"] = .directory
        host["/work/scratch/job"] = .directory
        let plan = try Fixture.plan(
            request {
                $0.contain = true
                $0.workspace = "/work"
                $0.scratch = ["/job"]
            }, host: host)
        #expect(plan.mount(at: "/tmp")?.kind == .bind(source: "/work/tmp"))
        #expect(plan.mount(at: "/job")?.kind == .bind(source: "/work/scratch/job"))
    }

    @Test("--home SRC:DST binds SRC at DST; HOME and the passwd entry name DST")
    func homeSpec() throws {
        let plan = try Fixture.plan(request { $0.homeSpec = "/scratch/data:/home/me" })
        #expect(plan.mount(at: "/home/me")?.kind == .bind(source: "/scratch/data"))
        #expect(plan.mount(at: "/home/alice") == nil)
        #expect(plan.environmentValue("HOME") == "/home/me")
        #expect(plan.generatedFile("passwd")?.contains("alice:x:1000:1000:Alice Liddell:/home/me:") == true)
        let same = try Fixture.plan(request { $0.homeSpec = "/scratch/data" })
        #expect(same.environmentValue("HOME") == "/scratch/data")
        #expect(
            planError { () throws(PlanError) in try Fixture.plan(request { $0.homeSpec = "/nonexistent" }) }
                == .bindSourceMissing("/nonexistent", origin: "--home"))
        #expect(
            planError { () throws(PlanError) in try Fixture.plan(request { $0.homeSpec = "/scratch/data:rel" }) }
                == .badOption("--home", "/scratch/data:rel", reason: "expected SRC[:DST] with an absolute DST"))
    }

    @Test("--no-mount: home, tmp, sys, a default's destination; proc and dev cannot be removed")
    func noMount() throws {
        let plan = try Fixture.plan(request { $0.noMount = ["home", "tmp", "sys", "/etc/hosts", "hostfs"] })
        for path in ["/home/alice", "/tmp", "/sys", "/etc/hosts"] { #expect(plan.mount(at: path) == nil, "\(path)") }
        #expect(
            planError { () throws(PlanError) in try Fixture.plan(request { $0.noMount = ["proc"] }) }
                == .unsupportedOption("--no-mount proc", "gourd always mounts the container's own /proc"))
        #expect(
            planError { () throws(PlanError) in try Fixture.plan(request { $0.noMount = ["bogus"] }) }
                == .badOption("--no-mount", "bogus", reason: "expected home, tmp, cwd, sys, hostfs or the destination of a default mount"))
    }

    @Test("--scratch: a writable tmpfs at each path; a relative one is refused")
    func scratch() throws {
        let plan = try Fixture.plan(request { $0.scratch = ["/scratch", "/mnt/work"] })
        #expect(plan.mount(at: "/scratch")?.kind == .tmpfs(entries: []))
        #expect(plan.mount(at: "/mnt/work")?.readOnly == false)
        #expect(
            planError { () throws(PlanError) in try Fixture.plan(request { $0.scratch = ["rel"] }) }
                == .badOption("--scratch", "rel", reason: "not an absolute path"))
    }

    @Test("--network none, --hostname, --uts, --ipc: the container's own namespaces, and no sharing")
    func namespaces() throws {
        let plan = try Fixture.plan(
            request {
                $0.network = "none"
                $0.hostname = "node-1"
                $0.ipc = true
                $0.share = .key("job")
            })
        #expect(plan.namespaces == ContainerNamespaces(network: true, uts: true, ipc: true, hostname: "node-1"))
        #expect(plan.share == nil)
        #expect(plan.notes.contains { $0.hasPrefix("not sharing a container with other ranks: ") })
        #expect(try Fixture.plan(exec).namespaces.isEmpty)
        #expect(try Fixture.plan(request { $0.uts = true }).namespaces == ContainerNamespaces(uts: true))
        #expect(
            try Fixture.plan(
                request {
                    $0.net = true
                    $0.network = "none"
                }
            ).namespaces.network)
    }

    @Test("--net alone, other network types and bad host names are refused")
    func badNamespaces() {
        #expect(
            planError { () throws(PlanError) in try Fixture.plan(request { $0.net = true }) }
                == .unsupportedOption(
                    "--net without --network none", "gourd can only give an empty network namespace (loopback only): add --network none"))
        guard
            case .unsupportedOption("--network bridge", _)? = planError({ () throws(PlanError) in
                try Fixture.plan(request { $0.network = "bridge" })
            })
        else {
            Issue.record("--network bridge accepted")
            return
        }
        for name in ["", "bad name", String(repeating: "a", count: 65), "a/b"] {
            #expect(
                planError { () throws(PlanError) in try Fixture.plan(request { $0.hostname = name }) }
                    == .badOption("--hostname", name, reason: "expected 1 to 64 letters, digits, '-' or '.'"), "\(name)")
        }
    }

    @Test("--writable-tmpfs is in the plan, and a launch with it does not share a container")
    func writableTmpfs() throws {
        let plan = try Fixture.plan(
            request {
                $0.writableTmpfs = true
                $0.share = .key("job")
            })
        #expect(plan.writableTmpfs && plan.share == nil)
        #expect(try !Fixture.plan(exec).writableTmpfs)
        let compat = try FlagEnvironment.apply(to: exec, environment: env(["APPTAINER_COMPAT": "1"]))
        #expect(compat.writableTmpfs && compat.contain && compat.cleanEnvironment)
    }
}
