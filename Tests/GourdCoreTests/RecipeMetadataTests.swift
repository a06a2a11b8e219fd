import Foundation
import GourdCore
import Testing

@Suite struct RecipeMetadataTests {
    func recipe(_ text: String) throws -> Recipe { try RecipeParser.parse(text, file: "r.def") }

    var dockerBase: BaseImage {
        var base = BaseImage()
        base.environment = ["PATH=/app/bin:/usr/bin:/bin", "LANG=C.UTF-8"]
        base.entrypoint = ["/app/bin/serve"]
        base.cmd = ["--port", "80"]
        base.workingDir = "/app"
        base.labels = ["from.base": "yes", "shared": "base"]
        base.bases = [.init(source: "docker-archive:app.tar", digest: "sha256:" + String(repeating: "1", count: 64))]
        return base
    }

    func file(_ files: [RecipeFile], _ path: String) -> RecipeFile? { files.first { $0.path == path } }

    @Test func dockerBaseWithoutRunscriptKeepsEntrypointAndCmd() throws {
        let r = try recipe("Bootstrap: docker-archive\nFrom: app.tar\n%labels\n  shared recipe\n  mine 1\n")
        let metadata = RecipeMetadata.metadata(recipe: r, base: dockerBase, buildTime: 1_700_000_000, gourdVersion: "0.1.0")
        #expect(metadata.schema == 1)
        #expect(metadata.environment == ["PATH=/app/bin:/usr/bin:/bin", "LANG=C.UTF-8"])
        #expect(metadata.entrypoint == ["/app/bin/serve"])
        #expect(metadata.cmd == ["--port", "80"])
        #expect(metadata.runscript == nil)
        #expect(metadata.labels == ["from.base": "yes", "shared": "recipe", "mine": "1"])
        #expect(metadata.recipe == r.text)
        #expect(metadata.bases == dockerBase.bases)
        #expect(metadata.buildTime == "2023-11-14T22:13:20Z")
        #expect(metadata.gourdVersion == "0.1.0")
        // gourd run follows docker run.
        #expect(ImageMetadata(gourd: metadata).runArgv([]) == ["/app/bin/serve", "--port", "80"])
        #expect(ImageMetadata(gourd: metadata).runArgv(["-v"]) == ["/app/bin/serve", "-v"])
    }

    @Test func runscriptReplacesEntrypoint() throws {
        let r = try recipe("Bootstrap: docker-archive\nFrom: app.tar\n%runscript -c /bin/bash -e\n  exec echo \"$@\"\n%help\n  Say it.\n")
        let files = RecipeMetadata.files(recipe: r, base: dockerBase, buildTime: 0, gourdVersion: "v")
        let metadata = RecipeMetadata.metadata(recipe: r, base: dockerBase, buildTime: 0, gourdVersion: "v")
        #expect(metadata.entrypoint == nil && metadata.cmd == nil)
        #expect(metadata.runscript == "/.singularity.d/runscript")
        #expect(
            file(files, "/.singularity.d/runscript")
                == RecipeFile(
                    path: "/.singularity.d/runscript", contents: Array("#!/bin/bash -e\n\n  exec echo \"$@\"\n".utf8), mode: 0o755))
        #expect(file(files, "/.singularity.d/runscript.help")?.text == "  Say it.\n")
        #expect(metadata.help == "  Say it.\n")
    }

    @Test func everyFileAndStableJSON() throws {
        let r = try recipe(
            """
            Bootstrap: scratch
            %environment
              export A=1
            %test
              test -x /bin/sh
            %labels
              b 2
              a 1
            """)
        let files = RecipeMetadata.files(recipe: r, base: BaseImage(), buildTime: 86400, gourdVersion: "v")
        #expect(
            files.map(\.path) == [
                "/.singularity.d/Singularity", "/.singularity.d/env/90-environment.sh",
                "/.singularity.d/test", "/.singularity.d/labels.json", "/.gourd/image.json",
            ])
        #expect(file(files, "/.singularity.d/Singularity")?.text == r.text + "\n")
        #expect(file(files, "/.singularity.d/env/90-environment.sh")?.text == "#!/bin/sh\n# %environment of r.def\n  export A=1\n")
        #expect(file(files, "/.singularity.d/test")?.mode == 0o755)
        #expect(file(files, "/.singularity.d/labels.json")?.text == "{\n  \"a\" : \"1\",\n  \"b\" : \"2\"\n}\n")
        let json = try #require(file(files, "/.gourd/image.json"))
        // Readable by the launcher, and the same bytes every time.
        let decoded = try JSONDecoder().decode(GourdImageMetadata.self, from: Data(json.contents))
        #expect(decoded.labels == ["a": "1", "b": "2"])
        #expect(decoded.buildTime == "1970-01-02T00:00:00Z")
        #expect(decoded.environment == nil && decoded.entrypoint == nil)
        #expect(RecipeMetadata.files(recipe: r, base: BaseImage(), buildTime: 86400, gourdVersion: "v") == files)
        #expect(json.text.contains("\"recipe\" : \"Bootstrap: scratch\\n%environment"))
    }

    @Test func workingDirIsRecorded() throws {
        let r = try recipe("Bootstrap: oci\nFrom: layout\n")
        let files = RecipeMetadata.files(recipe: r, base: dockerBase, buildTime: 0, gourdVersion: "v")
        let json = try #require(file(files, "/.gourd/image.json")).text
        #expect(json.contains("\"workingDir\" : \"/app\""))
        #expect(json.contains("\"entrypoint\" : [\n    \"/app/bin/serve\"\n  ]"))
        #expect(!json.contains("\\/"), "slashes unescaped")
    }

    @Test func gourdBaseCarriesOver() {
        let meta = GourdImageMetadata(
            environment: ["A=1"], entrypoint: ["/e"], labels: ["x": "gourd"], help: "h",
            bases: [.init(source: "s", digest: "d")])
        let base = BaseImage(gourd: meta, apptainerLabels: ["x": "apptainer", "y": "apptainer"], apptainerHelp: "ah")
        #expect(base.environment == ["A=1"])
        #expect(base.entrypoint == ["/e"])
        #expect(base.labels == ["x": "gourd", "y": "apptainer"])
        #expect(base.help == "h")
        #expect(base.bases == [.init(source: "s", digest: "d")])
    }

    @Test("a %runscript whose first line is #! keeps it (Apptainer's rule); -c still wins")
    func runscriptShebang() throws {
        let own = try recipe("Bootstrap: docker-archive\nFrom: app.tar\n%runscript\n    #!/bin/bash\n    [[ -n $1 ]] && echo \"$1\"\n")
        let file = RecipeMetadata.files(recipe: own, base: BaseImage(), buildTime: 0, gourdVersion: "v").first {
            $0.path == "/.singularity.d/runscript"
        }
        #expect(file?.text.hasPrefix("#!/bin/bash\n") == true)
        #expect(file?.text.contains("[[ -n $1 ]]") == true)
        let plain = try recipe("Bootstrap: docker-archive\nFrom: app.tar\n%runscript\n    echo hi\n")
        #expect(
            RecipeMetadata.files(recipe: plain, base: BaseImage(), buildTime: 0, gourdVersion: "v").first {
                $0.path == "/.singularity.d/runscript"
            }?.text
                .hasPrefix("#!/bin/sh\n") == true)
    }
}

@Suite struct ApptainerBuildLayoutTests {
    @Test func dockerEnvironmentScript() {
        let script = ApptainerLayout.dockerEnvironmentScript([
            "PATH=/app/bin:/usr/bin", "LANG=C.UTF-8", #"TRICKY=a "b" $c `d` \e"#, "1BAD=x", "=x",
        ])
        #expect(script.hasPrefix("#!/bin/sh\n"))
        #expect(script.contains("export PATH=\"/app/bin:/usr/bin\"\n"))
        #expect(script.contains("export LANG=\"${LANG:-C.UTF-8}\"\n"))
        #expect(script.contains(#"export TRICKY="${TRICKY:-a \"b\" \$c \`d\` \\e}""#))
        #expect(!script.contains("1BAD") && !script.contains("export =x"))
    }

    @Test func buildLabels() {
        #expect(ApptainerLayout.buildLabels("a 1\n\n  b   two words \nc\n") == ["a": "1", "b": "two words", "c": ""])
    }
}
