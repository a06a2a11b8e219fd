import Testing

@testable import GourdCore

@Suite("Planner: command")
struct PlannerCommandTests {
    @Test("exec runs argv as given")
    func exec() throws {
        let plan = try Fixture.plan(LaunchRequest(mode: .exec(["python3", "-c", "print(1)"])))
        #expect(plan.argv == ["python3", "-c", "print(1)"])
    }

    @Test("exec without a command is an error", arguments: [[String](), [""], ["", "x"]])
    func execWithoutCommand(argv: [String]) {
        #expect(planError { () throws(PlanError) in try Fixture.plan(LaunchRequest(mode: .exec(argv))) } == .noCommand)
    }

    @Test("run follows the image's metadata")
    func run() throws {
        var image = Fixture.image()
        image["/.gourd/image.json"] = .file(#"{"schema": 1, "entrypoint": ["/opt/app"], "cmd": ["--help"]}"#)
        #expect(try Fixture.plan(LaunchRequest(mode: .run([])), image: image).argv == ["/opt/app", "--help"])
        #expect(try Fixture.plan(LaunchRequest(mode: .run(["-v"])), image: image).argv == ["/opt/app", "-v"])
        #expect(try Fixture.plan(LaunchRequest(mode: .run(["x"]))).argv == ["/bin/sh", "x"])
    }

    @Test("run starts in the image's workingDir, as docker run does; exec and --pwd do not")
    func runWorkingDir() throws {
        var image = Fixture.image()
        image["/.gourd/image.json"] = .file(#"{"schema": 1, "cmd": ["/opt/app"], "workingDir": "/mnt"}"#)
        #expect(try Fixture.plan(LaunchRequest(mode: .run([])), image: image).workdir == "/mnt")
        #expect(try Fixture.plan(LaunchRequest(mode: .exec(["pwd"])), image: image).workdir == "/home/alice/project")
        #expect(try Fixture.plan(LaunchRequest(mode: .run([]), workdir: "/tmp"), image: image).workdir == "/tmp")
        image["/.gourd/image.json"] = .file(#"{"schema": 1, "workingDir": "/nonexistent"}"#)
        #expect(
            try Fixture.plan(LaunchRequest(mode: .run([])), image: image).workdir == "/home/alice/project",
            "a WorkingDir the container lacks falls back to the usual rule")
    }

    @Test("malformed image metadata fails the plan")
    func badMetadata() {
        var image = Fixture.image()
        image["/.gourd/image.json"] = .file("{")
        let error = planError { () throws(PlanError) in try Fixture.plan(LaunchRequest(mode: .run([])), image: image) }
        guard case .badImageMetadata(path: "/.gourd/image.json", _)? = error else {
            Issue.record("expected badImageMetadata, got \(String(describing: error))")
            return
        }
    }

    @Test("shell picks /bin/bash when the image has it, else /bin/sh")
    func shellDefault() throws {
        #expect(try Fixture.plan(LaunchRequest(mode: .shell(nil))).argv == ["/bin/bash"])
        var image = Fixture.image()
        image["/bin/bash"] = nil
        #expect(try Fixture.plan(LaunchRequest(mode: .shell(nil)), image: image).argv == ["/bin/sh"])
        image["/bin/bash"] = .directory
        #expect(try Fixture.plan(LaunchRequest(mode: .shell(nil)), image: image).argv == ["/bin/sh"])
    }

    @Test("shell follows a symlinked /bin (usrmerge)")
    func shellUsrMerge() throws {
        var image = Fixture.image()
        image["/bin"] = .symlink("usr/bin")
        image["/usr/bin/bash"] = .file("")
        #expect(try Fixture.plan(LaunchRequest(mode: .shell(nil)), image: image).argv == ["/bin/bash"])
    }

    @Test("a missing shell is an error")
    func shellMissing() throws {
        #expect(
            planError { () throws(PlanError) in try Fixture.plan(LaunchRequest(mode: .shell("/bin/zsh"))) }
                == .shellMissing("/bin/zsh"))
        #expect(
            planError { () throws(PlanError) in try Fixture.plan(LaunchRequest(mode: .shell("/tmp"))) }
                == .shellMissing("/tmp"))
        var image = Fixture.image()
        image["/bin/bash"] = nil
        image["/bin/sh"] = nil
        #expect(
            planError { () throws(PlanError) in try Fixture.plan(LaunchRequest(mode: .shell(nil)), image: image) }
                == .shellMissing("/bin/sh"))
        #expect(try Fixture.plan(LaunchRequest(mode: .shell("/usr/bin/env"))).argv == ["/usr/bin/env"])
    }

    @Test("the login shell falls back to /bin/sh when the image lacks the caller's")
    func identityShell() throws {
        var identity = Fixture.alice
        identity.shell = "/usr/bin/fish"
        let plan = try Fixture.plan(LaunchRequest(mode: .exec(["true"])), context: Fixture.context(identity: identity))
        #expect(plan.identity.shell == "/bin/sh")
        #expect(plan.generatedFile("passwd")?.contains("alice:x:1000:1000:Alice Liddell:/home/alice:/bin/sh\n") == true)
        // Kept when the image has it.
        #expect(try Fixture.plan(LaunchRequest(mode: .exec(["true"]))).identity.shell == "/bin/bash")
        #expect(try Fixture.plan(LaunchRequest(mode: .exec(["true"]))).identity.uid == 1000)
    }
}

@Suite("Planner: Apptainer environment scripts")
struct PlannerEnvScriptTests {
    static let prologue = #"for f in /.singularity.d/env/*.sh; do if [ -r "$f" ]; then . "$f"; fi; done; "#

    func apptainerImage() -> FakeImage {
        var image = Fixture.image()
        image["/.singularity.d/env/90-environment.sh"] = .file("export PATH=/opt/conda/bin:$PATH\n")
        image["/.singularity.d/env/01-base.sh"] = .file("")
        image["/.singularity.d/runscript"] = .file("#!/bin/sh\nexec \"$@\"\n")
        return image
    }

    @Test("the command is wrapped: source the scripts with the image's bash, then exec")
    func wrapped() throws {
        let plan = try Fixture.plan(LaunchRequest(mode: .exec(["python3", "-c", "print(1)"])), image: apptainerImage())
        #expect(plan.argv == ["/bin/bash", "-c", Self.prologue + #"exec "$@""#, "gourd", "python3", "-c", "print(1)"])
    }

    @Test("run uses the Apptainer runscript inside the wrapper")
    func runscript() throws {
        let plan = try Fixture.plan(LaunchRequest(mode: .run(["a b"])), image: apptainerImage())
        #expect(plan.argv == ["/bin/bash", "-c", Self.prologue + #"exec "$@""#, "gourd", "/.singularity.d/runscript", "a b"])
    }

    @Test("user overrides are re-exported after the scripts, in order: literal ones quoted, $ evaluated")
    func overridesReexported() throws {
        let context = Fixture.context(environment: env(["GOURDENV_X": "1", "UNRELATED": "u"]))
        let request = LaunchRequest(
            mode: .exec(["env"]),
            environment: ["GREETING=it's here", "PATH=/my bin:$PATH", "EMPTY="])
        let plan = try Fixture.plan(request, image: apptainerImage(), context: context)
        let script =
            Self.prologue
            + "export X='1'; "
            + #"export GREETING='it'\''s here'; "#
            // $PATH expands in the container, as Apptainer's injected `export PATH="..."` does.
            + "PATH=\"/my bin:$PATH\"\nexport PATH; "
            + "export EMPTY=''; "
            + #"exec "$@""#
        #expect(plan.argv == ["/bin/bash", "-c", script, "gourd", "env"])
        // The literal override is also the plan's PATH.
        #expect(plan.searchPath == "/my bin:$PATH")
    }

    @Test("shell mode is wrapped too")
    func shell() throws {
        let plan = try Fixture.plan(LaunchRequest(mode: .shell(nil)), image: apptainerImage())
        #expect(plan.argv == ["/bin/bash", "-c", Self.prologue + #"exec "$@""#, "gourd", "/bin/bash"])
    }

    @Test("without bash (a dash-only image) the scripts are sourced by /bin/sh")
    func shellWithoutBash() throws {
        var image = apptainerImage()
        image["/bin/bash"] = nil
        let plan = try Fixture.plan(LaunchRequest(mode: .exec(["ls"])), image: image)
        #expect(plan.argv == ["/bin/sh", "-c", Self.prologue + #"exec "$@""#, "gourd", "ls"])
    }

    @Test("PREPEND_PATH and APPEND_PATH are re-applied after the scripts, around their PATH")
    func pathEditsReapplied() throws {
        let context = Fixture.context(environment: env(["APPTAINERENV_PREPEND_PATH": "/pre", "SINGULARITYENV_APPEND_PATH": "/post"]))
        let plan = try Fixture.plan(LaunchRequest(mode: .exec(["env"])), image: apptainerImage(), context: context)
        let script =
            Self.prologue
            + #"case "$PATH" in '/pre'|'/pre':*) ;; *) export PATH='/pre'"${PATH:+:$PATH}";; esac; "#
            + #"case "$PATH" in '/post'|*:'/post') ;; *) export PATH="${PATH:+$PATH:}"'/post';; esac; "#
            + #"exec "$@""#
        #expect(plan.argv == ["/bin/bash", "-c", script, "gourd", "env"])
        #expect(plan.searchPath == "/pre:" + EnvironmentRules.defaultPath + ":/post")
    }

    @Test("no wrapper without env scripts, or without a shell in the image")
    func notWrapped() throws {
        var image = apptainerImage()
        image["/.singularity.d/env/01-base.sh"] = nil
        image["/.singularity.d/env/90-environment.sh"] = nil
        image["/.singularity.d/env/README"] = .file("")
        #expect(try Fixture.plan(LaunchRequest(mode: .exec(["ls"])), image: image).argv == ["ls"])

        image = apptainerImage()
        image["/bin/sh"] = nil
        image["/bin/bash"] = nil
        #expect(try Fixture.plan(LaunchRequest(mode: .exec(["ls"])), image: image).argv == ["ls"])
    }
}

@Suite("Planner: environment")
struct PlannerEnvironmentTests {
    let hostEnvironment = env([
        "HOME": "/home/alice", "USER": "alice", "PATH": "/usr/bin:/home/alice/bin", "LD_LIBRARY_PATH": "/opt/host/lib",
        "SLURM_JOB_ID": "42", "GOURD_BIND": "/scratch/data:/mnt", "PS1": "$ ", "LANG": "C.UTF-8",
    ])

    @Test("a plain launch: filtered host, default PATH, HOME and GOURD_CONTAINER")
    func plain() throws {
        let plan = try Fixture.plan(
            LaunchRequest(mode: .exec(["true"])),
            context: Fixture.context(environment: hostEnvironment))
        #expect(
            plan.environment
                == env([
                    "HOME": "/home/alice", "USER": "alice", "SLURM_JOB_ID": "42", "LANG": "C.UTF-8",
                    "PATH": EnvironmentRules.defaultPath, "GOURD_CONTAINER": "/images/app.sif",
                    "APPTAINER_CONTAINER": "/images/app.sif", "APPTAINER_NAME": "app.sif",
                    "SINGULARITY_CONTAINER": "/images/app.sif", "SINGULARITY_NAME": "app.sif",
                ]))
        #expect(plan.searchPath == EnvironmentRules.defaultPath)
        #expect(plan.environmentValue("PS1") == nil)
    }

    @Test("HOME is the caller's home even when the host or image says otherwise")
    func home() throws {
        var image = Fixture.image()
        image["/.gourd/image.json"] = .file(#"{"schema": 1, "environment": ["HOME=/root"]}"#)
        let plan = try Fixture.plan(
            LaunchRequest(mode: .exec(["true"])), image: image,
            context: Fixture.context(environment: env(["HOME": "/elsewhere"])))
        #expect(plan.environmentValue("HOME") == "/home/alice")
        #expect(plan.environment.filter { $0.name == "HOME" }.count == 1)
    }

    @Test("--cleanenv drops the rest of the host environment")
    func clean() throws {
        let plan = try Fixture.plan(
            LaunchRequest(mode: .exec(["true"]), cleanEnvironment: true),
            context: Fixture.context(environment: hostEnvironment + env(["LC_ALL": "C"])))
        #expect(
            plan.environment
                == env([
                    "HOME": "/home/alice", "USER": "alice", "LANG": "C.UTF-8", "LC_ALL": "C",
                    "PATH": EnvironmentRules.defaultPath, "GOURD_CONTAINER": "/images/app.sif",
                    "APPTAINER_CONTAINER": "/images/app.sif", "APPTAINER_NAME": "app.sif",
                    "SINGULARITY_CONTAINER": "/images/app.sif", "SINGULARITY_NAME": "app.sif",
                ]))
    }

    @Test("the search path is the final PATH: image, then GOURDENV_PATH, then --env PATH")
    func searchPath() throws {
        var image = Fixture.image()
        image["/.gourd/image.json"] = .file(#"{"schema": 1, "environment": ["PATH=/opt/app/bin:/usr/bin", "APP=1"]}"#)
        var plan = try Fixture.plan(LaunchRequest(mode: .exec(["app"])), image: image)
        #expect(plan.searchPath == "/opt/app/bin:/usr/bin")
        #expect(plan.environmentValue("APP") == "1")

        let context = Fixture.context(environment: env(["GOURDENV_PATH": "/from/gourdenv"]))
        plan = try Fixture.plan(LaunchRequest(mode: .exec(["app"])), image: image, context: context)
        #expect(plan.searchPath == "/from/gourdenv")

        plan = try Fixture.plan(
            LaunchRequest(mode: .exec(["app"]), environment: ["PATH=/from/flag"]), image: image,
            context: context)
        #expect(plan.searchPath == "/from/flag")
        #expect(plan.environmentValue("PATH") == plan.searchPath)
        #expect(plan.environment.filter { $0.name == "PATH" }.count == 1)
    }

    @Test("GOURDENV_X=1 becomes X=1; --env wins over it and over the runtime variables")
    func overrides() throws {
        let context = Fixture.context(environment: env(["GOURDENV_X": "1", "GOURDENV_LD_LIBRARY_PATH": "/opt/lib"]))
        var plan = try Fixture.plan(LaunchRequest(mode: .exec(["true"])), context: context)
        #expect(plan.environmentValue("X") == "1")
        #expect(plan.environmentValue("LD_LIBRARY_PATH") == "/opt/lib")
        #expect(plan.environmentValue("GOURDENV_X") == nil)

        plan = try Fixture.plan(
            LaunchRequest(mode: .exec(["true"]), environment: ["X=2", "HOME=/custom", "GOURD_CONTAINER=c"]),
            context: context)
        #expect(plan.environmentValue("X") == "2")
        #expect(plan.environmentValue("HOME") == "/custom")
        #expect(plan.environmentValue("GOURD_CONTAINER") == "c")
    }

    @Test("an invalid --env fails the plan")
    func badEnv() {
        #expect(
            planError { () throws(PlanError) in
                try Fixture.plan(LaunchRequest(mode: .exec(["true"]), environment: ["1BAD=x"]))
            } == .badEnvironment("1BAD=x", origin: "--env"))
        #expect(
            planError { () throws(PlanError) in
                try Fixture.plan(LaunchRequest(mode: .exec(["true"]), environment: ["noequals"]))
            } == .badEnvironment("noequals", origin: "--env"))
    }

    @Test("shell mode sets PS1, which the user may override")
    func prompt() throws {
        #expect(try Fixture.plan(LaunchRequest(mode: .shell(nil))).environmentValue("PS1") == "gourd> ")
        #expect(try Fixture.plan(LaunchRequest(mode: .run([]))).environmentValue("PS1") == nil)
        #expect(try Fixture.plan(LaunchRequest(mode: .shell(nil), environment: ["PS1=> "])).environmentValue("PS1") == "> ")
    }

    @Test("the plan records the image location")
    func location() throws {
        let plan = try Fixture.plan(LaunchRequest(mode: .exec(["true"])))
        #expect(plan.image == ImageLocation(path: "/images/app.sif", offset: 4096))
        #expect(plan.environmentValue("GOURD_CONTAINER") == "/images/app.sif")
    }
}

@Suite("Planner: working directory")
struct PlannerWorkdirTests {
    let exec = LaunchRequest(mode: .exec(["true"]))

    @Test("the caller's directory under home maps through the home bind")
    func underHome() throws {
        #expect(try Fixture.plan(exec).workdir == "/home/alice/project")
        #expect(try Fixture.plan(exec, context: Fixture.context(cwd: "/home/alice")).workdir == "/home/alice")
    }

    @Test("the caller's directory under /tmp maps through the /tmp bind")
    func underTmp() throws {
        var host = Fixture.host()
        host["/tmp"] = .symlink("/private/tmp")
        host["/private/tmp/job1"] = .directory
        let plan = try Fixture.plan(exec, host: host, context: Fixture.context(cwd: "/private/tmp/job1"))
        #expect(plan.workdir == "/tmp/job1")
    }

    @Test("the caller's directory under a user bind maps through it")
    func underUserBind() throws {
        let plan = try Fixture.plan(
            LaunchRequest(mode: .exec(["true"]), binds: ["/scratch/data:/mnt"]),
            context: Fixture.context(cwd: "/scratch/data/run1"))
        #expect(plan.workdir == "/mnt/run1")
    }

    @Test("an unbound directory the image also has is kept")
    func inImage() throws {
        #expect(try Fixture.plan(exec, context: Fixture.context(cwd: "/opt")).workdir == "/opt")
    }

    @Test("otherwise home, when it is bound or in the image")
    func fallsBackToHome() throws {
        var exec = exec
        exec.noMount = ["cwd"]  // else the current directory is bound (PlannerCompatTests)
        #expect(try Fixture.plan(exec, context: Fixture.context(cwd: "/scratch/data")).workdir == "/home/alice")
        // Home not on the host, but the image has it.
        var host = Fixture.host()
        host["/home/alice"] = nil
        var image = Fixture.image()
        image["/home/alice"] = .directory
        #expect(
            try Fixture.plan(exec, host: host, image: image, context: Fixture.context(cwd: "/scratch/data")).workdir
                == "/home/alice")
    }

    @Test("otherwise /")
    func fallsBackToRoot() throws {
        var exec = exec
        exec.noMount = ["cwd"]
        var image = Fixture.image()
        image["/home/ubuntu"] = .directory  // /home not empty: no home mount
        let plan = try Fixture.plan(exec, image: image)
        #expect(plan.mount(at: "/home/alice") == nil)
        #expect(plan.workdir == "/")
    }

    @Test("a caller's directory hidden by a later bind is not used as the working directory")
    func shadowedByLaterBind() throws {
        // /scratch is bound over the home: inside, /home/alice/project would be /scratch/project,
        // which is not the caller's directory (and does not exist).
        let plan = try Fixture.plan(LaunchRequest(mode: .exec(["true"]), binds: ["/scratch:/home/alice"]))
        #expect(plan.mount(at: "/home/alice")?.kind == .bind(source: "/scratch"))
        #expect(plan.workdir == "/home/alice")
    }
}
