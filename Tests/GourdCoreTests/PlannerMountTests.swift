import Testing

@testable import GourdCore

@Suite("Planner: default mounts")
struct PlannerDefaultMountTests {
    let exec = LaunchRequest(mode: .exec(["true"]))

    @Test("the defaults, in order, with their flags (host /dev)")
    func defaults() throws {
        let plan = try Fixture.plan(LaunchRequest(mode: .exec(["true"]), devices: .host))
        #expect(
            plan.mounts == [
                Mount(
                    kind: .proc, destination: "/proc", noExec: true, optional: true,
                    reason: "default: procfs of the container's PID namespace"),
                Mount(
                    kind: .bind(source: "/dev"), destination: "/dev", noDev: false, optional: true,
                    reason: "--dev=host: host /dev"),
                Mount(
                    kind: .bind(source: "/sys"), destination: "/sys", readOnly: true, noExec: true, optional: true,
                    reason: "default: host /sys, read-only"),
                Mount(kind: .bind(source: "/tmp"), destination: "/tmp", optional: true, reason: "default: host /tmp"),
                Mount(
                    kind: .tmpfs(entries: [.directory("alice")]), destination: "/home", readOnly: true, recursive: false,
                    reason: "mount point for the caller's home (/home is empty in the image)"),
                Mount(kind: .bind(source: "/home/alice"), destination: "/home/alice", reason: "default: the caller's home"),
                Mount(
                    kind: .bind(source: "/etc/hosts"), destination: "/etc/hosts", readOnly: true, recursive: false,
                    optional: true, reason: "default: host /etc/hosts"),
                // No /etc/resolv.conf or /etc/localtime in this image: nothing to bind over.
                Mount(
                    kind: .generated(name: "passwd"), destination: "/etc/passwd", readOnly: true, recursive: false,
                    optional: true, reason: "default: image entries plus the caller's account"),
                Mount(
                    kind: .generated(name: "group"), destination: "/etc/group", readOnly: true, recursive: false,
                    optional: true, reason: "default: image entries plus the caller's account"),
            ])
        #expect(plan.notes.isEmpty)
        // Every mount is nosuid.
        #expect(plan.mounts.allSatisfy { $0.noSuid })
    }

    @Test("device nodes keep device semantics; the other defaults are nodev")
    func devFlags() throws {
        let plan = try Fixture.plan(exec)
        #expect(plan.mount(at: "/dev")?.noDev == true, "the minimal /dev tmpfs itself")
        #expect(plan.mount(at: "/dev/null")?.noDev == false)
        for destination in ["/proc", "/sys", "/tmp", "/home/alice"] {
            #expect(plan.mount(at: destination)?.noDev == true, "\(destination)")
        }
        #expect(plan.mount(at: "/sys")?.readOnly == true)
    }

    @Test(
        "a default whose mount point is not a directory in the image is skipped with a note",
        arguments: ["/proc", "/dev", "/sys", "/tmp"])
    func missingMountPoint(destination: String) throws {
        var image = Fixture.image()
        image[destination] = nil
        var plan = try Fixture.plan(exec, image: image)
        #expect(plan.mount(at: destination) == nil)
        #expect(plan.notes.count == 1)
        #expect(plan.notes.first?.hasPrefix("\(destination) is not a directory in the image: not mounted (default: ") == true)

        image[destination] = .file("")
        plan = try Fixture.plan(exec, image: image)
        #expect(plan.mount(at: destination) == nil)
        #expect(plan.notes.count == 1)
    }

    @Test("a default mount point that is a symlink to a directory in the image counts")
    func symlinkedMountPoint() throws {
        var image = Fixture.image()
        image["/tmp"] = .symlink("var/tmp")
        image["/var/tmp"] = .directory
        #expect(try Fixture.plan(exec, image: image).mount(at: "/tmp") != nil)
    }

    @Test("/tmp binds the host's real /tmp, and is left out when the host has none")
    func hostTmp() throws {
        var host = Fixture.host()
        host["/tmp"] = .symlink("/private/tmp")
        host["/private/tmp"] = .directory
        #expect(try Fixture.plan(exec, host: host).mount(at: "/tmp")?.kind == .bind(source: "/private/tmp"))

        host["/tmp"] = nil
        let plan = try Fixture.plan(exec, host: host)
        #expect(plan.mount(at: "/tmp") == nil)
    }

    @Test("/etc/hosts, resolv.conf and localtime are bound only when they are host files")
    func etcFiles() throws {
        var host = Fixture.host()
        host["/etc/resolv.conf"] = nil
        host["/etc/hosts"] = .directory
        host["/etc/localtime"] = .symlink("/nowhere")
        let plan = try Fixture.plan(exec, host: host)
        for file in ["/etc/hosts", "/etc/resolv.conf", "/etc/localtime"] {
            #expect(plan.mount(at: file) == nil, "\(file)")
        }
        #expect(plan.notes.isEmpty)
    }

    @Test("the /etc files are bound only over files the image has (it is read-only)")
    func etcFilesNeedTheImagesFile() throws {
        var image = Fixture.image()
        image["/etc/hosts"] = nil
        #expect(try Fixture.plan(exec, image: image).mount(at: "/etc/hosts") == nil)
        image["/etc/resolv.conf"] = .file("")
        image["/etc/localtime"] = .symlink("/usr/share/zoneinfo/Etc/UTC")
        image["/usr/share/zoneinfo/Etc/UTC"] = .file("TZif")
        let plan = try Fixture.plan(exec, image: image)
        let resolv = try #require(plan.mount(at: "/etc/resolv.conf"))
        #expect(resolv.optional && resolv.readOnly)
        // The host's symlink is resolved on the host; the image's is followed inside the image.
        #expect(plan.mount(at: "/etc/localtime")?.kind == .bind(source: "/usr/share/zoneinfo/UTC"))
    }

    @Test("passwd and group are generated from the image's files and the caller")
    func generatedAccounts() throws {
        var image = Fixture.image()
        image["/etc/passwd"] = .file("root:x:0:0:root:/root:/bin/bash\nubuntu:x:1000:1000::/home/ubuntu:/bin/bash\n")
        let plan = try Fixture.plan(exec, image: image)
        #expect(
            plan.generatedFile("passwd") == """
                root:x:0:0:root:/root:/bin/bash
                nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
                alice:x:1000:1000:Alice Liddell:/home/alice:/bin/bash

                """)
        #expect(plan.generatedFile("group") == "root:x:0:\nnogroup:x:65534:\nalice:x:1000:alice\n")
        #expect(plan.generatedFiles.map(\.name) == ["passwd", "group"])
        #expect(plan.mount(at: "/etc/passwd")?.kind == .generated(name: "passwd"))
    }
}

@Suite("Planner: the caller's home")
struct PlannerHomeTests {
    let exec = LaunchRequest(mode: .exec(["true"]))

    func homeMounts(_ plan: LaunchPlan) -> [Mount] {
        plan.mounts.filter { $0.destination.hasPrefix("/home") || $0.destination.hasPrefix("/gpfs") }
    }

    @Test("home present in the image: a plain bind, no tmpfs")
    func homeInImage() throws {
        var image = Fixture.image()
        image["/home/alice"] = .directory
        let plan = try Fixture.plan(exec, image: image)
        #expect(
            homeMounts(plan) == [
                Mount(kind: .bind(source: "/home/alice"), destination: "/home/alice", reason: "default: the caller's home")
            ])
        #expect(plan.notes.isEmpty)
    }

    @Test("home missing but /home empty: a read-only tmpfs on /home holding the mount point, then the bind")
    func emptyHomeParent() throws {
        let plan = try Fixture.plan(exec)
        let mounts = homeMounts(plan)
        try #require(mounts.count == 2)
        #expect(mounts[0].kind == .tmpfs(entries: [.directory("alice")]))
        #expect(mounts[0].destination == "/home")
        #expect(mounts[0].readOnly)
        #expect(mounts[1].kind == .bind(source: "/home/alice"))
        #expect(mounts[1].destination == "/home/alice")
        #expect(!mounts[1].readOnly)
        #expect(plan.notes.isEmpty)
    }

    @Test("a deep home under an empty directory gets every intermediate directory")
    func deepHome() throws {
        let identity = Identity(
            uid: 1000, gid: 1000, userName: "alice", groupName: "alice",
            home: "/gpfs/home/alice", shell: "/bin/sh")
        var host = Fixture.host()
        host["/gpfs/home/alice"] = .directory
        var image = Fixture.image()
        image["/gpfs"] = .directory
        let plan = try Fixture.plan(
            exec, host: host, image: image,
            context: Fixture.context(cwd: "/gpfs/home/alice", identity: identity))
        #expect(
            homeMounts(plan).map(\.kind) == [
                .tmpfs(entries: [.directory("home"), .directory("home/alice")]),
                .bind(source: "/gpfs/home/alice"),
            ])
        #expect(homeMounts(plan).map(\.destination) == ["/gpfs", "/gpfs/home/alice"])
        #expect(plan.workdir == "/gpfs/home/alice")
    }

    @Test("home missing and /home not empty: a note, no tmpfs that would hide the image's files, no bind")
    func nonEmptyHomeParent() throws {
        var exec = exec
        exec.noMount = ["cwd"]  // else the current directory is bound at its path
        var image = Fixture.image()
        image["/home/ubuntu"] = .directory
        let plan = try Fixture.plan(exec, image: image)
        #expect(homeMounts(plan).isEmpty)
        #expect(plan.notes == ["home /home/alice has no mount point in the image: not mounted"])
    }

    @Test("no /home at all in the image: a note; never a tmpfs on /")
    func noHomeParent() throws {
        var exec = exec
        exec.noMount = ["cwd"]  // else the current directory is bound at its path
        var image = Fixture.image()
        image["/home"] = nil
        let plan = try Fixture.plan(exec, image: image)
        #expect(homeMounts(plan).isEmpty)
        #expect(!plan.mounts.contains(where: { $0.destination == "/" }))
        #expect(plan.notes == ["home /home/alice has no mount point in the image: not mounted"])
    }

    @Test("home is a file in the image: a note")
    func homeIsFile() throws {
        var exec = exec
        exec.noMount = ["cwd"]
        var image = Fixture.image()
        image["/home/alice"] = .file("")
        let plan = try Fixture.plan(exec, image: image)
        #expect(homeMounts(plan).isEmpty)
        #expect(plan.notes == ["home /home/alice is not a directory in the image: not mounted"])
    }

    @Test("home missing on the host: a note")
    func homeMissingOnHost() throws {
        var host = Fixture.host()
        host["/home/alice"] = nil
        let plan = try Fixture.plan(exec, host: host, context: Fixture.context(cwd: "/scratch"))
        #expect(homeMounts(plan).isEmpty)
        #expect(plan.notes == ["home /home/alice does not exist on the host: not mounted"])
    }

    @Test("home \"/\" is never bound")
    func rootHome() throws {
        let identity = Identity(uid: 1000, gid: 1000, userName: "alice", groupName: "alice", home: "/", shell: "/bin/sh")
        let plan = try Fixture.plan(exec, context: Fixture.context(cwd: "/scratch", identity: identity))
        #expect(!plan.mounts.contains(where: { $0.destination == "/" }))
        #expect(plan.notes == ["home is /: not mounted"])
    }

    @Test("a home reached through a host symlink binds the real directory at the home path")
    func symlinkedHostHome() throws {
        var host = Fixture.host()
        host["/home"] = .symlink("/data/home")
        host["/data/home/alice/project"] = .directory
        let plan = try Fixture.plan(exec, host: host, context: Fixture.context(cwd: "/data/home/alice/project"))
        #expect(plan.mount(at: "/home/alice")?.kind == .bind(source: "/data/home/alice"))
        // getcwd gives the real path; inside it appears under the home path.
        #expect(plan.workdir == "/home/alice/project")
    }

    @Test("a non-normalized home is normalized for the bind, the identity and HOME")
    func homeNormalized() throws {
        var identity = Fixture.alice
        identity.home = "/home//alice/"
        let plan = try Fixture.plan(exec, context: Fixture.context(identity: identity))
        #expect(plan.mount(at: "/home/alice") != nil)
        #expect(plan.identity.home == "/home/alice")
        #expect(plan.environmentValue("HOME") == "/home/alice")
    }
}

@Suite("Planner: --bind and GOURD_BIND")
struct PlannerUserBindTests {
    func request(_ binds: String...) -> LaunchRequest {
        LaunchRequest(mode: .exec(["true"]), binds: binds)
    }

    func userMounts(_ plan: LaunchPlan) -> [Mount] {
        plan.mounts.filter { $0.reason.hasPrefix("--bind") || $0.reason.hasPrefix("GOURD_BIND") }
    }

    @Test("a bind is appended after the defaults, read-write and recursive")
    func simpleBind() throws {
        let defaults = try Fixture.plan(LaunchRequest(mode: .exec(["true"]))).mounts
        let plan = try Fixture.plan(request("/scratch/data:/mnt"))
        #expect(Array(plan.mounts.dropLast()) == defaults)
        #expect(
            plan.mounts.last
                == Mount(
                    kind: .bind(source: "/scratch/data"), destination: "/mnt",
                    reason: "--bind /scratch/data:/mnt"))
        #expect(plan.mounts.last?.optional == false)
        #expect(plan.mounts.last?.recursive == true)
    }

    @Test func readOnlyBind() throws {
        let plan = try Fixture.plan(request("/scratch/data:/mnt:ro"))
        #expect(plan.mount(at: "/mnt")?.readOnly == true)
    }

    @Test("GOURD_BIND entries come first, then --bind in order")
    func order() throws {
        let context = Fixture.context(environment: env(["GOURD_BIND": "/scratch/data:/mnt, /scratch/input.csv:/opt/config.txt:ro"]))
        let plan = try Fixture.plan(request("/tmp:/mnt"), context: context)
        #expect(
            userMounts(plan).map(\.reason) == [
                "GOURD_BIND /scratch/data:/mnt", "GOURD_BIND /scratch/input.csv:/opt/config.txt", "--bind /tmp:/mnt",
            ])
        #expect(userMounts(plan)[1].readOnly)
    }

    @Test("the source is resolved on the host (symlinks, relative to cwd)")
    func sourceResolved() throws {
        var host = Fixture.host()
        host["/data"] = .symlink("/scratch/data")
        var plan = try Fixture.plan(request("/data:/mnt"), host: host)
        #expect(plan.mount(at: "/mnt")?.kind == .bind(source: "/scratch/data"))
        #expect(plan.mount(at: "/mnt")?.reason == "--bind /data:/mnt")

        plan = try Fixture.plan(request("src:/mnt"), host: host)
        #expect(plan.mount(at: "/mnt")?.kind == .bind(source: "/home/alice/project/src"))
    }

    @Test("a source missing on the host is an error")
    func sourceMissing() {
        #expect(
            planError { () throws(PlanError) in try Fixture.plan(request("/nope:/mnt")) }
                == .bindSourceMissing("/nope", origin: "--bind"))
        let context = Fixture.context(environment: env(["GOURD_BIND": "missing"]))
        #expect(
            planError { () throws(PlanError) in try Fixture.plan(request(), context: context) }
                == .bindSourceMissing("/home/alice/project/missing", origin: "GOURD_BIND"))
    }

    @Test("a destination missing in the image becomes a mount point the FUSE server adds")
    func destinationMissingIsAdded() throws {
        let plan = try Fixture.plan(request("/scratch/data:/data/in"))
        #expect(plan.mount(at: "/data/in")?.kind == .bind(source: "/scratch/data"))
        #expect(plan.addedMountPoints == [AddedMountPoint(path: "/data/in", isDirectory: true)])
        let file = try Fixture.plan(request("/scratch/input.csv:/input.csv"))
        #expect(file.addedMountPoints == [AddedMountPoint(path: "/input.csv", isDirectory: false)])
        // Not inside another mount (gourd never writes to a bound host directory or a tmpfs),
        // nor under a file of the image.
        #expect(
            planError { () throws(PlanError) in try Fixture.plan(request("/scratch/data:/opt/config.txt/x")) }
                == .bindDestinationMissing("/opt/config.txt/x", origin: "--bind"))
        #expect(
            planError { () throws(PlanError) in try Fixture.plan(request("/scratch/data:/tmp/nonexistent")) }
                == .bindDestinationMissing("/tmp/nonexistent", origin: "--bind"))
    }

    @Test("a malformed GOURD_BIND or --bind fails the plan")
    func malformed() {
        let context = Fixture.context(environment: env(["GOURD_BIND": "/a:rel"]))
        #expect(
            planError { () throws(PlanError) in try Fixture.plan(request(), context: context) }
                == .badBind("/a:rel", origin: "GOURD_BIND", reason: "destination 'rel' is not an absolute path"))
        #expect(
            planError { () throws(PlanError) in try Fixture.plan(request("/a:/b:x")) }
                == .badBind("/a:/b:x", origin: "--bind", reason: "mode 'x' is not ro or rw"))
    }

    @Test("a destination under the home bind is checked on the host, not in the image")
    func destinationUnderHome() throws {
        // The host has ~/project/src; the image has no /home/alice at all.
        let plan = try Fixture.plan(request("/scratch/data:/home/alice/project/src"))
        #expect(plan.mount(at: "/home/alice/project/src")?.kind == .bind(source: "/scratch/data"))

        // The image has ~/imageonly, but the home bind hides it.
        var image = Fixture.image()
        image["/home/alice/imageonly"] = .directory
        #expect(
            planError { () throws(PlanError) in try Fixture.plan(request("/scratch/data:/home/alice/imageonly"), image: image) }
                == .bindDestinationMissing("/home/alice/imageonly", origin: "--bind"))

        // The kind comes from the host too.
        #expect(
            planError { () throws(PlanError) in try Fixture.plan(request("/scratch/data:/home/alice/notes.txt")) }
                == .bindKindMismatch("/home/alice/notes.txt", origin: "--bind", sourceIsDirectory: true))
    }

    @Test("a destination under the home tmpfs exists only if it is the home's mount point")
    func destinationUnderTmpfs() throws {
        // The host has /home/bob, but inside, /home is the tmpfs holding only "alice".
        #expect(
            planError { () throws(PlanError) in try Fixture.plan(request("/scratch/data:/home/bob")) }
                == .bindDestinationMissing("/home/bob", origin: "--bind"))
        #expect(try Fixture.plan(request("/scratch/data:/home")).mount(at: "/home")?.kind == .bind(source: "/scratch/data"))
    }

    @Test("a destination under /tmp is checked on the host's /tmp")
    func destinationUnderTmp() throws {
        var host = Fixture.host()
        host["/tmp/job"] = .directory
        #expect(try Fixture.plan(request("/scratch/data:/tmp/job"), host: host).mount(at: "/tmp/job") != nil)
        var image = Fixture.image()
        image["/tmp/imageonly"] = .directory
        #expect(
            planError { () throws(PlanError) in try Fixture.plan(request("/scratch/data:/tmp/imageonly"), image: image) }
                == .bindDestinationMissing("/tmp/imageonly", origin: "--bind"))
    }

    @Test("a destination under an earlier user bind is checked on that bind's source")
    func destinationUnderUserBind() throws {
        let plan = try Fixture.plan(request("/scratch:/mnt", "/home/alice/notes.txt:/mnt/input.csv"))
        #expect(plan.mount(at: "/mnt/input.csv")?.kind == .bind(source: "/home/alice/notes.txt"))
        #expect(
            planError { () throws(PlanError) in try Fixture.plan(request("/scratch:/mnt", "/scratch/data:/mnt/nope")) }
                == .bindDestinationMissing("/mnt/nope", origin: "--bind"))
    }

    @Test("a file onto a generated file is allowed; nothing can be bound inside /proc")
    func generatedAndProc() throws {
        #expect(try Fixture.plan(request("/scratch/input.csv:/etc/passwd")).mounts.last?.destination == "/etc/passwd")
        #expect(
            planError { () throws(PlanError) in try Fixture.plan(request("/scratch/data:/proc/sys")) }
                == .bindDestinationProtected("/proc/sys", origin: "--bind"))
    }

    @Test("a destination that is only an optional default's mount point, absent from the image, is added")
    func destinationOnSkippedOptionalMount() throws {
        // The default /etc/hosts bind is skipped when the image lacks the file; a user bind
        // there gets the mount point added instead.
        var image = Fixture.image()
        image["/etc/hosts"] = nil
        let plan = try Fixture.plan(request("/scratch/input.csv:/etc/hosts"), image: image)
        #expect(plan.mount(at: "/etc/hosts")?.kind == .bind(source: "/scratch/input.csv"))
        #expect(plan.addedMountPoints == [AddedMountPoint(path: "/etc/hosts", isDirectory: false)])
        #expect(planError { () throws(PlanError) in try Fixture.plan(request("/scratch/input.csv:/etc/hosts")) } == nil)
    }

    @Test(
        "a bind may not cover the root, /dev or /proc (issue 10, finding 6)",
        arguments: ["/", "/dev", "/proc", "/proc/sys", "/proc/1/root"])
    func protectedDestinations(destination: String) {
        #expect(
            planError { () throws(PlanError) in try Fixture.plan(request("/scratch/data:\(destination)")) }
                == .bindDestinationProtected(destination, origin: "--bind"))
        let context = Fixture.context(environment: [EnvironmentVariable("GOURD_BIND", "/scratch/data:\(destination)")])
        #expect(
            planError { () throws(PlanError) in try Fixture.plan(request(), context: context) }
                == .bindDestinationProtected(destination, origin: "GOURD_BIND"))
    }

    @Test("below /dev and beside /proc stay allowed")
    func nearProtectedDestinations() {
        for destination in ["/dev/shm", "/procfs", "/mnt"] {
            #expect(
                planError { () throws(PlanError) in try Fixture.plan(request("/scratch/data:\(destination)")) } == nil,
                "\(destination)")
        }
    }

    @Test("file and directory must match")
    func kindMismatch() throws {
        #expect(
            planError { () throws(PlanError) in try Fixture.plan(request("/scratch/input.csv:/mnt")) }
                == .bindKindMismatch("/mnt", origin: "--bind", sourceIsDirectory: false))
        #expect(
            planError { () throws(PlanError) in try Fixture.plan(request("/scratch/data:/opt/config.txt")) }
                == .bindKindMismatch("/opt/config.txt", origin: "--bind", sourceIsDirectory: true))
        let plan = try Fixture.plan(request("/scratch/input.csv:/opt/config.txt"))
        #expect(plan.mount(at: "/opt/config.txt")?.kind == .bind(source: "/scratch/input.csv"))
    }

    @Test("a destination that is a symlink to a directory in the image is accepted")
    func symlinkDestination() throws {
        var image = Fixture.image()
        image["/data"] = .symlink("/mnt")
        #expect(try Fixture.plan(request("/scratch/data:/data"), image: image).mount(at: "/data") != nil)
    }
}
