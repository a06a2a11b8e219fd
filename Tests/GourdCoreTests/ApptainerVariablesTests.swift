import Testing

@testable import GourdCore

/// Apptainer's variable families and the environment forms of flags, under each name gourd
/// may be started as.
@Suite("Apptainer compatibility: variables")
struct ApptainerVariablesTests {
    @Test(
        "argv[0] decides the personality",
        arguments: [
            ("gourd", CommandPersonality.gourd), ("/usr/local/bin/apptainer", .apptainer), ("singularity", .singularity),
            ("/opt/bin/gourd", .gourd), ("apptainer-wrapper", .gourd), ("", .gourd),
        ])
    func personality(argv0: String, expected: CommandPersonality) {
        #expect(CommandPersonality(argv0: argv0) == expected)
    }

    @Test("--version answers as Apptainer under its names, as gourd otherwise")
    func versionLine() {
        #expect(
            CommandPersonality.apptainer.versionLine(gourdVersion: "0.1.0") == "apptainer version \(CommandPersonality.apptainerVersion)")
        #expect(CommandPersonality.singularity.versionLine(gourdVersion: "0.1.0").hasPrefix("apptainer version 1."))
        #expect(CommandPersonality.gourd.versionLine(gourdVersion: "0.1.0") == "0.1.0")
    }

    @Test("a control key: gourd's family first under gourd, Apptainer's under apptainer, APPTAINER_ over SINGULARITY_")
    func lookupPrecedence() {
        let all = env(["SINGULARITY_CLEANENV": "s", "APPTAINER_CLEANENV": "a", "GOURD_CLEANENV": "g"])
        #expect(ControlVariables(environment: all, personality: .gourd).lookup("CLEANENV")?.value == "g")
        #expect(ControlVariables(environment: all, personality: .apptainer).lookup("CLEANENV")?.value == "a")
        #expect(ControlVariables(environment: all, personality: .singularity).lookup("CLEANENV")?.name == "APPTAINER_CLEANENV")
        let legacy = env(["SINGULARITY_CLEANENV": "s"])
        #expect(ControlVariables(environment: legacy, personality: .gourd).lookup("CLEANENV")?.name == "SINGULARITY_CLEANENV")
        #expect(ControlVariables(environment: [], personality: .gourd).lookup("CLEANENV") == nil)
    }

    @Test("bind lists: GOURD_BIND and Apptainer's (APPTAINER_BIND, else BINDPATH, else SINGULARITY_), winner last")
    func bindLists() {
        let variables = env(["GOURD_BIND": "/g", "SINGULARITY_BIND": "/s", "APPTAINER_BINDPATH": "/p", "APPTAINER_BIND": "/a"])
        #expect(ControlVariables(environment: variables, personality: .gourd).bindLists().map(\.name) == ["APPTAINER_BIND", "GOURD_BIND"])
        #expect(
            ControlVariables(environment: variables, personality: .apptainer).bindLists().map(\.name) == ["GOURD_BIND", "APPTAINER_BIND"])
        #expect(
            ControlVariables(environment: env(["SINGULARITY_BINDPATH": "/x"]), personality: .gourd).bindLists()
                == [ControlVariables.Found(name: "SINGULARITY_BINDPATH", value: "/x")])
    }

    @Test("injection families: the winning family's value is set last; PREPEND_PATH and APPEND_PATH apart")
    func injected() throws {
        let host = env([
            "APPTAINERENV_FOO": "a", "GOURDENV_FOO": "g", "SINGULARITYENV_BAR": "s", "OTHER": "o",
            "APPTAINERENV_PREPEND_PATH": "/pre", "SINGULARITYENV_APPEND_PATH": "/post",
        ])
        let gourd = try ControlVariables(environment: host, personality: .gourd).injected()
        #expect(gourd.variables.map(\.variable.assignment) == ["BAR=s", "FOO=a", "FOO=g"])
        #expect(gourd.prependPath?.variable.value == "/pre")
        #expect(gourd.appendPath?.origin == "SINGULARITYENV_APPEND_PATH")
        let apptainer = try ControlVariables(environment: host, personality: .apptainer).injected()
        #expect(apptainer.variables.map(\.variable.assignment) == ["FOO=g", "BAR=s", "FOO=a"])
        let error = planError { () throws(PlanError) in
            try ControlVariables(environment: env(["APPTAINERENV_1X": "v"]), personality: .gourd).injected()
        }
        #expect(error == .badEnvironment("APPTAINERENV_1X=v", origin: "host variable"))
    }

    @Test("Apptainer's families reach the container transposed, never literally")
    func planEnvironment() throws {
        let host = env(["APPTAINERENV_FOO": "a", "SINGULARITYENV_BAR": "b", "APPTAINER_BIND": "/scratch/data", "KEEP": "k"])
        let plan = try Fixture.plan(LaunchRequest(mode: .exec(["env"])), context: Fixture.context(environment: host))
        #expect(plan.environmentValue("FOO") == "a")
        #expect(plan.environmentValue("BAR") == "b")
        #expect(plan.environmentValue("KEEP") == "k")
        for name in ["APPTAINERENV_FOO", "SINGULARITYENV_BAR", "APPTAINER_BIND"] { #expect(plan.environmentValue(name) == nil) }
        #expect(plan.environmentValue("APPTAINER_CONTAINER") == "/images/app.sif")
        #expect(plan.environmentValue("APPTAINER_NAME") == "app.sif")
        #expect(plan.environmentValue("SINGULARITY_CONTAINER") == "/images/app.sif")
        #expect(plan.mount(at: "/scratch/data")?.reason == "APPTAINER_BIND /scratch/data:/scratch/data")
    }

    @Test("precedence inside the plan: under gourd GOURDENV_ wins, under apptainer APPTAINERENV_; --env beats both")
    func planPrecedence() throws {
        let host = env(["APPTAINERENV_FOO": "a", "GOURDENV_FOO": "g", "SINGULARITYENV_FOO": "s"])
        var request = LaunchRequest(mode: .exec(["env"]))
        #expect(try Fixture.plan(request, context: Fixture.context(environment: host)).environmentValue("FOO") == "g")
        request.personality = .singularity
        #expect(try Fixture.plan(request, context: Fixture.context(environment: host)).environmentValue("FOO") == "a")
        request.environment = ["FOO=flag"]
        #expect(try Fixture.plan(request, context: Fixture.context(environment: host)).environmentValue("FOO") == "flag")
    }

    @Test("PREPEND_PATH / APPEND_PATH edit PATH, from the host families or --env")
    func pathEdits() throws {
        let host = env(["APPTAINERENV_PREPEND_PATH": "/pre", "APPTAINERENV_APPEND_PATH": "/post"])
        let plan = try Fixture.plan(LaunchRequest(mode: .exec(["env"])), context: Fixture.context(environment: host))
        #expect(plan.environmentValue("PATH") == "/pre:" + EnvironmentRules.defaultPath + ":/post")
        #expect(plan.environmentValue("PREPEND_PATH") == nil)
        let flags = try Fixture.plan(LaunchRequest(mode: .exec(["env"]), environment: ["APPEND_PATH=/x"]))
        #expect(flags.environmentValue("PATH") == EnvironmentRules.defaultPath + ":/x")
    }

    @Test("--env takes Apptainer's comma lists; a quoted item keeps its commas; spaces are kept")
    func envLists() throws {
        #expect(try EnvironmentRules.flagOverrides(["A=1,B=2"]) == env(["A": "1", "B": "2"]))
        #expect(try EnvironmentRules.flagOverrides([#"A="1,2",B=3"#]) == env(["A": "1,2", "B": "3"]))
        #expect(try EnvironmentRules.flagOverrides(["PS1=> "]) == env(["PS1": "> "]))
        #expect(
            planError { () throws(PlanError) in try EnvironmentRules.flagOverrides(["A=1,2"]) } == .badEnvironment("A=1,2", origin: "--env")
        )
        let plan = try Fixture.plan(LaunchRequest(mode: .exec(["env"]), environment: ["A=1,B=2"]))
        #expect(plan.environmentValue("A") == "1")
        #expect(plan.environmentValue("B") == "2")
    }

    @Test("ApptainerList reads one CSV record")
    func lists() {
        #expect(ApptainerList.split("tmp,home") == ["tmp", "home"])
        #expect(ApptainerList.split(#""a,b",c"#) == ["a,b", "c"])
        #expect(ApptainerList.split(#""say ""hi""""#) == [#"say "hi""#])
        #expect(ApptainerList.split(",,x,") == ["x"])
        #expect(ApptainerList.split("") == [])
    }

    @Test("--env-file: NAME=VALUE lines, export, comments, quotes; a bad line names its number")
    func envFile() throws {
        let text = "# comment\n\nexport A=1\nB=\"two words\"\n  C='x'\nD=\n"
        #expect(try EnvironmentFile.parse(text, path: "f") == env(["A": "1", "B": "two words", "C": "x", "D": ""]))
        #expect(
            planError { () throws(PlanError) in try EnvironmentFile.parse("A=1\nnot a line\n", path: "vars.env") }
                == .badEnvironmentFile("vars.env", reason: "line 2: expected NAME=VALUE"))
        var host = Fixture.host()
        host["/home/alice/project/vars.env"] = .file("A=file\nB=file\n")
        var request = LaunchRequest(mode: .exec(["env"]), environment: ["B=flag"])
        request.envFiles = ["vars.env"]
        let plan = try Fixture.plan(request, host: host)
        #expect(plan.environmentValue("A") == "file")
        #expect(plan.environmentValue("B") == "flag")
        request.envFiles = ["missing.env"]
        #expect(
            planError { () throws(PlanError) in try Fixture.plan(request, host: host) }
                == .badEnvironmentFile("missing.env", reason: "cannot be read"))
    }
}

@Suite("Apptainer compatibility: flags from the environment")
struct FlagEnvironmentTests {
    let exec = LaunchRequest(mode: .exec(["true"]))

    func apply(_ variables: KeyValuePairs<String, String>, _ request: LaunchRequest? = nil) throws(PlanError) -> LaunchRequest {
        try FlagEnvironment.apply(to: request ?? exec, environment: env(variables))
    }

    @Test("boolean forms", arguments: ["APPTAINER_", "SINGULARITY_", "GOURD_"])
    func booleans(prefix: String) throws {
        #expect(try FlagEnvironment.apply(to: exec, environment: [EnvironmentVariable(prefix + "CLEANENV", "1")]).cleanEnvironment)
        #expect(try FlagEnvironment.apply(to: exec, environment: [EnvironmentVariable(prefix + "NO_HOME", "true")]).mountHome == false)
        #expect(try FlagEnvironment.apply(to: exec, environment: [EnvironmentVariable(prefix + "CONTAIN", "t")]).contain)
        let all = try FlagEnvironment.apply(to: exec, environment: [EnvironmentVariable(prefix + "CONTAINALL", "TRUE")])
        #expect(all.contain && all.cleanEnvironment)
        #expect(try FlagEnvironment.apply(to: exec, environment: [EnvironmentVariable(prefix + "NV", "1")]).gpu == .vendor("nvidia"))
        #expect(try FlagEnvironment.apply(to: exec, environment: [EnvironmentVariable(prefix + "ROCM", "1")]).gpu == .vendor("amd"))
        #expect(try FlagEnvironment.apply(to: exec, environment: [EnvironmentVariable(prefix + "CLEANENV", "0")]).cleanEnvironment == false)
    }

    @Test("value forms fill only what the command line left unset")
    func values() throws {
        let request = try apply([
            "APPTAINER_PWD": "/data", "APPTAINER_HOME": "/scratch/h:/home/me", "APPTAINER_WORKDIR": "/w",
            "APPTAINER_SCRATCH": "/s1,/s2", "APPTAINER_NO_MOUNT": "tmp,cwd", "APPTAINER_ENV_FILE": "e.env",
        ])
        #expect(request.workdir == "/data")
        #expect(request.homeSpec == "/scratch/h:/home/me")
        #expect(request.workspace == "/w")
        #expect(request.scratch == ["/s1", "/s2"])
        #expect(request.noMount == ["tmp", "cwd"])
        #expect(request.envFiles == ["e.env"])
        let namespaces = try apply(["APPTAINER_NETWORK": "none", "APPTAINER_HOSTNAME": "h", "SINGULARITY_IPC": "1", "APPTAINER_UTS": "1"])
        #expect(namespaces.network == "none" && namespaces.hostname == "h" && namespaces.ipc && namespaces.uts)
        var flagged = exec
        flagged.workdir = "/flag"
        flagged.gpu = GPUChoice.none
        #expect(try apply(["APPTAINER_PWD": "/env", "APPTAINER_NV": "1"], flagged).workdir == "/flag")
        #expect(try apply(["APPTAINER_NV": "1"], flagged).gpu == GPUChoice.none)
    }

    @Test("a value that is not a boolean names the variable")
    func badBoolean() {
        #expect(
            planError { () throws(PlanError) in try apply(["APPTAINER_CLEANENV": "maybe"]) }
                == .badControlVariable("APPTAINER_CLEANENV", "maybe", reason: "expected true or false (1 or 0)"))
    }

    @Test("options gourd cannot honour fail from the environment too, naming the variable")
    func unsupported() {
        #expect(
            planError { () throws(PlanError) in try apply(["APPTAINER_FAKEROOT": "1"]) }
                == .unsupportedOption("APPTAINER_FAKEROOT", UnsupportedOption.find("--fakeroot")!.reason))
        #expect(
            planError { () throws(PlanError) in try apply(["SINGULARITY_WRITABLE": "true"]) }
                == .unsupportedOption("SINGULARITY_WRITABLE", UnsupportedOption.find("--writable")!.reason))
        #expect(throws: Never.self) { try FlagEnvironment.apply(to: exec, environment: env(["APPTAINER_FAKEROOT": "0"])) }
    }

    @Test("every unsupported option has a spelling, a reason, and an environment form")
    func unsupportedTable() {
        for option in UnsupportedOption.all {
            #expect(!option.names.isEmpty && !option.reason.isEmpty && !option.environmentKeys.isEmpty)
        }
        #expect(UnsupportedOption.find("--memory=4G")?.names == ["--memory"])
        #expect(UnsupportedOption.find("--bind") == nil)
    }
}

@Suite("Apptainer compatibility: inspect selectors")
struct InspectSelectionTests {
    func inspection(apptainer: ImageInspection.Apptainer?, gourd: GourdImageMetadata?) -> ImageInspection {
        var inspection = ImageInspection(
            file: .init(path: "/i", size: 1, sha256: "x"), sif: nil,
            squashfs: ImageInspection.SquashFS(compressionID: 6, major: 4, minor: 0, blockSize: 1, inodes: 1, bytesUsed: 1))
        inspection.apptainer = apptainer
        inspection.gourd = gourd
        return inspection
    }

    @Test func apptainerLayoutFirstThenGourdMetadata() {
        let both = inspection(
            apptainer: .init(
                labels: ["b": "2", "a": "1"], help: "Help.\n", runscript: "#!/bin/sh\necho\n",
                definition: "Bootstrap: scratch\n"),
            gourd: GourdImageMetadata(environment: ["A=1"], labels: ["g": "x"], help: "gourd help"))
        #expect(InspectSelection.text(both, [.labels]) == "a: 1\nb: 2")
        #expect(InspectSelection.text(both, [.helpfile]) == "Help.")
        #expect(InspectSelection.text(both, [.runscript]) == "#!/bin/sh\necho")
        #expect(InspectSelection.text(both, [.deffile]) == "Bootstrap: scratch")
        #expect(
            InspectSelection.text(both, [.environment], scripts: [("/.singularity.d/env/90-environment.sh", "export B=2\n")])
                == "export A=1\n=== /.singularity.d/env/90-environment.sh ===\nexport B=2")
        let gourdOnly = inspection(apptainer: nil, gourd: GourdImageMetadata(labels: ["g": "x"], help: "gourd help"))
        #expect(InspectSelection.text(gourdOnly, [.labels, .helpfile]) == "g: x\ngourd help")
        #expect(InspectSelection.text(inspection(apptainer: nil, gourd: nil), [.helpfile, .deffile]) == nil)
    }
}
