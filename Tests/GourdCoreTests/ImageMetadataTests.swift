import Testing

@testable import GourdCore

@Suite("ImageMetadata")
struct ImageMetadataTests {
    @Test("a bare image has no metadata")
    func bare() throws {
        let metadata = try ImageMetadata.read(from: FakeImage(["/bin/sh": .file("")]))
        #expect(metadata == ImageMetadata())
        #expect(metadata.runArgv(["-c", "true"]) == ["/bin/sh", "-c", "true"])
        #expect(try metadata.environment().isEmpty)
    }

    @Test("Apptainer layout: runscript, and env scripts sorted by name, *.sh only")
    func apptainer() throws {
        let image = FakeImage([
            "/.singularity.d/runscript": .file("#!/bin/sh\nexec python \"$@\"\n"),
            "/.singularity.d/env/99-base.sh": .file(""),
            "/.singularity.d/env/01-base.sh": .file(""),
            "/.singularity.d/env/90-environment.sh": .file(""),
            "/.singularity.d/env/10-docker2singularity.sh": .file(""),
            "/.singularity.d/env/README": .file(""),
            "/.singularity.d/env/95-apps.sh.bak": .file(""),
        ])
        let metadata = try ImageMetadata.read(from: image)
        #expect(metadata.apptainerRunscript == "/.singularity.d/runscript")
        #expect(
            metadata.apptainerEnvScripts == [
                "/.singularity.d/env/01-base.sh",
                "/.singularity.d/env/10-docker2singularity.sh",
                "/.singularity.d/env/90-environment.sh",
                "/.singularity.d/env/99-base.sh",
            ])
        #expect(metadata.gourd == nil)
    }

    @Test("a runscript that is a directory is not a runscript; a symlinked one is")
    func runscriptKind() throws {
        #expect(try ImageMetadata.read(from: FakeImage(["/.singularity.d/runscript": .directory])).apptainerRunscript == nil)
        let linked = FakeImage(["/.singularity.d/runscript": .symlink("/opt/run.sh"), "/opt/run.sh": .file("")])
        #expect(try ImageMetadata.read(from: linked).apptainerRunscript == "/.singularity.d/runscript")
    }

    @Test("/.gourd/image.json is parsed; unknown keys are ignored")
    func gourdJSON() throws {
        let json = """
            {"schema": 1, "environment": ["A=1", "PATH=/opt/bin:/usr/bin"], "entrypoint": ["/opt/app"],
             "cmd": ["--help"], "runscript": "/opt/run", "labels": {"org": "x"}, "help": "hi",
             "future": {"nested": true}}
            """
        let metadata = try ImageMetadata.read(from: FakeImage(["/.gourd/image.json": .file(json)]))
        #expect(
            metadata.gourd
                == GourdImageMetadata(
                    schema: 1, environment: ["A=1", "PATH=/opt/bin:/usr/bin"],
                    entrypoint: ["/opt/app"], cmd: ["--help"], runscript: "/opt/run",
                    labels: ["org": "x"], help: "hi"))
        #expect(try metadata.environment() == env(["A": "1", "PATH": "/opt/bin:/usr/bin"]))
    }

    @Test(
        "malformed metadata is an error naming the file",
        arguments: [
            "{not json", "", "[]", #"{"environment": ["A=1"]}"#, #"{"schema": "one"}"#, #"{"schema": 1, "cmd": "ls"}"#,
        ])
    func malformed(json: String) {
        let error = planError { () throws(PlanError) in
            try ImageMetadata.read(from: FakeImage(["/.gourd/image.json": .file(json)]))
        }
        guard case .badImageMetadata(let path, let reason)? = error else {
            Issue.record("expected badImageMetadata, got \(String(describing: error))")
            return
        }
        #expect(path == "/.gourd/image.json")
        #expect(reason.hasPrefix("not valid JSON"))
    }

    @Test("an environment entry that is not NAME=VALUE is an error")
    func badEnvironmentEntry() throws {
        let metadata = ImageMetadata(gourd: GourdImageMetadata(environment: ["OK=1", "9X=2"]))
        #expect(
            planError { () throws(PlanError) in try metadata.environment() }
                == .badImageMetadata(path: "/.gourd/image.json", reason: "environment entry '9X=2' is not NAME=VALUE"))
    }

    // MARK: runArgv

    @Test("an Apptainer runscript wins over gourd metadata")
    func runArgvApptainerWins() {
        let metadata = ImageMetadata(
            apptainerRunscript: "/.singularity.d/runscript",
            gourd: GourdImageMetadata(entrypoint: ["/e"], cmd: ["c"], runscript: "/r"))
        #expect(metadata.runArgv([]) == ["/.singularity.d/runscript"])
        #expect(metadata.runArgv(["a", "b"]) == ["/.singularity.d/runscript", "a", "b"])
    }

    @Test("entrypoint + cmd; arguments replace cmd")
    func runArgvEntrypoint() {
        let metadata = ImageMetadata(
            gourd: GourdImageMetadata(
                entrypoint: ["/opt/app", "--serve"], cmd: ["--port", "80"],
                runscript: "/r"))
        #expect(metadata.runArgv([]) == ["/opt/app", "--serve", "--port", "80"])
        #expect(metadata.runArgv(["--port", "8080"]) == ["/opt/app", "--serve", "--port", "8080"])
        let noCmd = ImageMetadata(gourd: GourdImageMetadata(entrypoint: ["/opt/app"]))
        #expect(noCmd.runArgv([]) == ["/opt/app"])
        #expect(noCmd.runArgv(["x"]) == ["/opt/app", "x"])
    }

    @Test("cmd only; arguments replace it")
    func runArgvCmd() {
        let metadata = ImageMetadata(gourd: GourdImageMetadata(entrypoint: [], cmd: ["python3", "-V"], runscript: "/r"))
        #expect(metadata.runArgv([]) == ["python3", "-V"])
        #expect(metadata.runArgv(["ls", "-l"]) == ["ls", "-l"])
    }

    @Test("runscript when there is no entrypoint or cmd")
    func runArgvRunscript() {
        let metadata = ImageMetadata(gourd: GourdImageMetadata(cmd: [], runscript: "/opt/run"))
        #expect(metadata.runArgv([]) == ["/opt/run"])
        #expect(metadata.runArgv(["a"]) == ["/opt/run", "a"])
    }

    @Test("fallback is /bin/sh with the arguments")
    func runArgvFallback() {
        let metadata = ImageMetadata(gourd: GourdImageMetadata(labels: ["a": "b"]))
        #expect(metadata.runArgv([]) == ["/bin/sh"])
        #expect(metadata.runArgv(["script.sh", "x"]) == ["/bin/sh", "script.sh", "x"])
    }
}
