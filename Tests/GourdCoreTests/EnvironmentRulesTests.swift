import Testing

@testable import GourdCore

@Suite("EnvironmentRules")
struct EnvironmentRulesTests {
    /// The launcher's own composition (`Planner.composeEnvironment`) with these layers: `host`
    /// is the caller's environment, `image` the image metadata's, `runtime` what gourd adds
    /// (HOME as the identity's home, the rest as GPU variables), `overrides` --env flags.
    /// GOURD_CONTAINER and APPTAINER_CONTAINER (etc.), and HOME where neither host nor runtime names it, are always added by
    /// the launcher and left out here so that each test sees only the layers it sets.
    func compose(
        host: [EnvironmentVariable] = [], clean: Bool = false, image: [EnvironmentVariable] = [],
        runtime: [EnvironmentVariable] = [], overrides: [EnvironmentVariable] = []
    ) -> [EnvironmentVariable] {
        let request = LaunchRequest(mode: .exec(["true"]), environment: overrides.map(\.assignment), cleanEnvironment: clean)
        let home =
            runtime.last(where: { $0.name == "HOME" })?.value
            ?? host.last(where: { $0.name == "HOME" })?.value ?? Fixture.alice.home
        let identity = Identity(
            uid: 1000, gid: 1000, userName: "alice", groupName: "alice", home: home,
            shell: "/bin/bash", gecos: "")
        let planner = Planner(
            request: request, host: Fixture.context(environment: host), hostFS: Fixture.host(),
            image: Fixture.image())
        let metadata = ImageMetadata(gourd: GourdImageMetadata(environment: image.map(\.assignment)))
        var gpu = Planner.GPUPlan()
        gpu.environment = runtime.filter { $0.name != "HOME" }.map { ($0, "runtime") }
        let keepHome = (host + runtime).contains(where: { $0.name == "HOME" })
        do {
            let result = try planner.composeEnvironment(
                identity: identity, location: Fixture.location,
                metadata: metadata, gpu: gpu)
            let added = ["GOURD_CONTAINER"] + ApptainerRuntimeVariables.inside(image: "/x").map(\.name)
            return result.variables.filter { !added.contains($0.name) && ($0.name != "HOME" || keepHome) }
        } catch {
            Issue.record("composeEnvironment threw \(error)")
            return []
        }
    }

    func names(_ variables: [EnvironmentVariable]) -> [String] { variables.map(\.name) }

    func value(_ name: String, in variables: [EnvironmentVariable]) -> String? {
        variables.last(where: { $0.name == name })?.value
    }

    @Test(
        "host variables that would break the image do not pass",
        arguments: [
            "PATH", "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "PS1", "PROMPT_COMMAND",
            "GOURD_BIND", "GOURD_CONTAINER", "GOURD_", "GOURDENV_FOO",
        ])
    func blocked(name: String) {
        let result = compose(host: [EnvironmentVariable(name, "/host/value")])
        #expect(value(name, in: result) != "/host/value")
        if name != "PATH" { #expect(!names(result).contains(name)) }
    }

    @Test(
        "other host variables pass",
        arguments: [
            "HOME", "USER", "TERM", "SLURM_JOB_ID", "OMP_NUM_THREADS", "LD_BIND_NOW", "GOURDX", "MYGOURD_X", "PATHX",
        ])
    func passes(name: String) {
        #expect(value(name, in: compose(host: [EnvironmentVariable(name, "v")])) == "v")
    }

    @Test("PATH is the image default when neither image nor user sets it")
    func defaultPath() {
        let result = compose(host: env(["PATH": "/host/bin"]))
        #expect(value("PATH", in: result) == EnvironmentRules.defaultPath)
        #expect(EnvironmentRules.defaultPath == "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
    }

    @Test("--cleanenv keeps only the terminal, locale and account variables")
    func cleanEnvironment() {
        let host = env([
            "HOME": "/home/alice", "USER": "alice", "LOGNAME": "alice", "TERM": "xterm", "LANG": "C.UTF-8",
            "TZ": "UTC", "LC_ALL": "C", "LC_CTYPE": "en_US.UTF-8", "PATH": "/host/bin", "SLURM_JOB_ID": "7",
            "EDITOR": "vi", "LD_PRELOAD": "/x.so", "GOURD_BIND": "/a", "LCX": "no",
        ])
        let result = compose(host: host, clean: true)
        let kept = Set(names(result))
        for name in ["HOME", "USER", "LOGNAME", "TERM", "LANG", "TZ", "LC_ALL", "LC_CTYPE", "PATH"] {
            #expect(kept.contains(name), "\(name) should be kept")
        }
        for name in ["SLURM_JOB_ID", "EDITOR", "LD_PRELOAD", "GOURD_BIND", "LCX"] {
            #expect(!kept.contains(name), "\(name) should be dropped")
        }
        #expect(value("PATH", in: result) == EnvironmentRules.defaultPath)
        #expect(value("LC_CTYPE", in: result) == "en_US.UTF-8")
        #expect(result.count == 9)
    }

    @Test("--cleanenv also keeps the terminal size (COLUMNS, LINES), as cleanNames documents")
    func cleanEnvironmentTerminalSize() {
        let result = compose(host: env(["COLUMNS": "120", "LINES": "40", "SHELL": "/bin/zsh"]), clean: true)
        #expect(names(result) == ["COLUMNS", "LINES", "PATH"])
    }

    @Test("the image's environment overrides the host's")
    func imageOverridesHost() {
        let result = compose(
            host: env(["LANG": "de_DE", "FOO": "host"]),
            image: env(["FOO": "image", "PATH": "/opt/app/bin:/usr/bin"]))
        #expect(value("FOO", in: result) == "image")
        #expect(value("LANG", in: result) == "de_DE")
        #expect(value("PATH", in: result) == "/opt/app/bin:/usr/bin")
    }

    @Test("runtime variables override the image, overrides win over everything")
    func layering() {
        let result = compose(
            host: env(["HOME": "/host/home", "X": "host"]),
            image: env(["HOME": "/root", "X": "image", "PATH": "/img"]),
            runtime: env(["HOME": "/home/alice", "X": "runtime"]),
            overrides: env(["X": "user", "PATH": "/user/bin"]))
        #expect(value("HOME", in: result) == "/home/alice")
        #expect(value("X", in: result) == "user")
        #expect(value("PATH", in: result) == "/user/bin")
    }

    @Test("each name appears once, at its first position")
    func stableOrder() {
        let result = compose(
            host: env(["B": "1", "A": "1", "PATH": "/h", "C": "1"]),
            image: env(["Z": "2", "A": "2"]),
            runtime: env(["HOME": "/h", "B": "3"]),
            overrides: env(["Y": "4", "Z": "4", "C": "4"]))
        #expect(
            result
                == env([
                    "B": "3", "A": "2", "C": "4", "PATH": EnvironmentRules.defaultPath,
                    "Z": "4", "HOME": "/h", "Y": "4",
                ]))
        #expect(Set(names(result)).count == result.count)
    }

    @Test("GOURDENV_X becomes X; --env flags come after, in order")
    func userOverrides() throws {
        let host = env(["GOURDENV_X": "1", "OTHER": "o", "GOURDENV_PATH": "/p", "GOURDENV_Y": "a=b"])
        let result = try EnvironmentRules.userOverrides(host: host, flags: ["X=2", "Z=", "W=x=y"])
        #expect(result == env(["X": "1", "PATH": "/p", "Y": "a=b", "X": "2", "Z": "", "W": "x=y"]))
        #expect(value("X", in: compose(host: host, overrides: result)) == "2")
    }

    @Test("invalid --env values are rejected", arguments: ["1BAD=x", "noequals", "=x", "A-B=1", "A B=1", "é=1", ""])
    func badFlag(flag: String) {
        let error = planError { () throws(PlanError) in try EnvironmentRules.userOverrides(host: [], flags: [flag]) }
        #expect(error == .badEnvironment(flag, origin: "--env"))
    }

    @Test("an invalid GOURDENV_ name is rejected")
    func badHostOverride() {
        for name in ["GOURDENV_", "GOURDENV_1X", "GOURDENV_A.B"] {
            let error = planError { () throws(PlanError) in
                try EnvironmentRules.userOverrides(host: [EnvironmentVariable(name, "v")], flags: [])
            }
            #expect(error == .badEnvironment("\(name)=v", origin: "host variable"))
        }
    }

    @Test func validNames() {
        for name in ["A", "_", "_x1", "abc_DEF_123", "LC_ALL"] { #expect(EnvironmentRules.isValidName(name), "\(name)") }
        for name in ["", "1", "9A", "A-B", "A.B", "A B", "Ä"] { #expect(!EnvironmentRules.isValidName(name), "\(name)") }
    }

    @Test func split() {
        #expect(EnvironmentRules.split("A=b") == EnvironmentVariable("A", "b"))
        #expect(EnvironmentRules.split("A=") == EnvironmentVariable("A", ""))
        #expect(EnvironmentRules.split("A==b") == EnvironmentVariable("A", "=b"))
        #expect(EnvironmentRules.split("A") == nil)
        #expect(EnvironmentRules.split("=A") == nil)
    }
}
