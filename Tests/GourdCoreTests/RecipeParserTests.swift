import GourdCore
import Testing

@testable import GourdFormats

@Suite struct RecipeParserTests {
    let file = "app.def"

    func parse(_ text: String) throws(RecipeError) -> Recipe { try RecipeParser.parse(text, file: file) }

    func error(_ text: String) -> RecipeError? {
        do {
            _ = try parse(text)
            return nil
        } catch { return error }
    }

    @Test func fullRecipe() throws {
        let text = """
            # A comment before the header
            Bootstrap: localimage
            From: base.sqfs   # trailing comment

            %files
                hello.txt /opt/hello.txt
                "with space.txt" '/opt/with space.txt'
                # a comment
                lonely

            %post -c /bin/bash
                apt-get update
                echo "100%" > /opt/percent

            %environment
                export LANG=C.UTF-8

            %runscript
                exec python3 "$@"

            %labels
                Author alice@example.org
                Version 1.0 beta
                Empty

            %help
                Runs python3.

            %test
                python3 --version
            """
        let recipe = try parse(text)
        #expect(recipe.bootstrap == Recipe.Bootstrap(agent: "localimage", values: ["from": "base.sqfs"]))
        #expect(recipe.bootstrapLine == 2)
        #expect(recipe.text == text)
        #expect(
            recipe.files == [
                .init(source: "hello.txt", destination: "/opt/hello.txt", line: 6),
                .init(source: "with space.txt", destination: "/opt/with space.txt", line: 7),
                .init(source: "lonely", destination: nil, line: 9),
            ])
        #expect(recipe.post == .init(text: "    apt-get update\n    echo \"100%\" > /opt/percent", line: 11, interpreter: "/bin/bash"))
        #expect(recipe.environment?.text == "    export LANG=C.UTF-8")
        #expect(recipe.runscript?.text == "    exec python3 \"$@\"")
        #expect(recipe.runscript?.line == 18)
        #expect(
            recipe.labels == [
                .init(key: "Author", value: "alice@example.org", line: 22),
                .init(key: "Version", value: "1.0 beta", line: 23),
                .init(key: "Empty", value: "", line: 24),
            ])
        #expect(recipe.help?.text == "    Runs python3.")
        #expect(recipe.test?.text == "    python3 --version")
        #expect(recipe.ignoredKeys.isEmpty)
    }

    @Test func agents() throws {
        #expect(try parse("Bootstrap: scratch\n").bootstrap == Recipe.Bootstrap(agent: "scratch"))
        #expect(try parse("bootstrap: SCRATCH").bootstrap == Recipe.Bootstrap(agent: "scratch"))
        #expect(
            try parse("Bootstrap: docker-archive\nFrom: img.tar:busybox:1.36\n").bootstrap
                == Recipe.Bootstrap(agent: "docker-archive", values: ["from": "img.tar:busybox:1.36"]))
        #expect(
            try parse("Bootstrap: oci-archive\nFrom: img.oci.tar\n").bootstrap
                == Recipe.Bootstrap(agent: "oci-archive", values: ["from": "img.oci.tar"]))
        #expect(
            try parse("Bootstrap: oci\nFrom: layout:latest\n").bootstrap
                == Recipe.Bootstrap(agent: "oci", values: ["from": "layout:latest"]))
        let debootstrap = try parse(
            "Bootstrap: debootstrap\nOSVersion: bookworm\nMirrorURL: http://deb.debian.org/debian\nInclude: python3, ca-certificates\n"
        ).bootstrap
        #expect(
            debootstrap.agent == "debootstrap" && debootstrap.values["osversion"] == "bookworm"
                && debootstrap.values["mirrorurl"] == "http://deb.debian.org/debian")
        #expect(debootstrap.list("include") == ["python3", "ca-certificates"])
        let withCmd = try parse("Bootstrap: docker-archive\nFrom: x.tar\nIncludeCmd: yes\n")
        #expect(withCmd.ignoredKeys == [.init(key: "IncludeCmd", line: 3)])
    }

    @Test func headerContinuationAndCRLF() throws {
        let recipe = try parse("Bootstrap: localimage\r\nFrom: some/\\\r\n  base.sqfs\r\n%post\r\n  true\r\n")
        #expect(recipe.bootstrap == Recipe.Bootstrap(agent: "localimage", values: ["from": "some/base.sqfs"]))
        #expect(recipe.post?.text == "  true")
    }

    @Test func repeatedSectionsConcatenateOrMerge() throws {
        let recipe = try parse(
            """
            Bootstrap: scratch
            %post
              echo one
            %files
              a /a
            %post -x
              echo two
            %labels
              A 1
            %files
              b /b
            %labels
              A 2
            """)
        #expect(recipe.post == .init(text: "  echo one\n  echo two", line: 2, options: ["-x"]))
        #expect(recipe.files.map(\.source) == ["a", "b"])
        #expect(recipe.labelMap == ["A": "2"])
    }

    @Test func scriptsKeepTheirText() throws {
        // Indentation, blank lines inside, shell comments and '%' not at a word start stay.
        let recipe = try parse("Bootstrap: scratch\n%post\n\n  a\n\n  # comment\n  printf '%s\\n' x\n\n\n%help\nUsage: run it\n")
        #expect(recipe.post?.text == "  a\n\n  # comment\n  printf '%s\\n' x")
        #expect(recipe.help?.text == "Usage: run it")
    }

    @Test(arguments: [
        ("", 1, "no 'Bootstrap:' header"),
        ("# only a comment\n", 1, "no 'Bootstrap:' header"),
        ("From: x.sqfs\n", 1, "no 'Bootstrap:' header"),
        ("%post\n  true\n", 1, "no 'Bootstrap:' header"),
        ("Bootstrap: scratch\nthis is not a header\n", 2, "is not 'Key: value'"),
        ("Bootstrap: scratch\n: value\n", 2, "no key before ':'"),
        ("Bootstrap: scratch\nColour: blue\n", 2, "unknown header keyword 'colour'"),
        ("Bootstrap: scratch\nBootstrap: scratch\n", 2, "given twice (first at line 1)"),
        ("Bootstrap: localimage\n", 1, "Bootstrap: localimage needs 'From:"),
        ("Bootstrap: localimage\nFrom:\n", 2, "needs 'From:"),
        ("Bootstrap: docker-archive\n", 1, "needs 'From: a `docker save` tarball'"),
        ("Bootstrap: oci-archive\n", 1, "needs 'From:"),
        ("Bootstrap: oci\n", 1, "needs 'From:"),
        ("Bootstrap: debootstrap\nMirrorURL: http://x\n", 1, "needs 'OSVersion:"),
        ("Bootstrap: debootstrap\nOSVersion: bookworm\n", 1, "needs 'MirrorURL:"),
        ("Bootstrap: scratch\nFrom: x\n", 2, "'from' is not used by Bootstrap: scratch"),
        ("Bootstrap: localimage\nFrom: x\nMirrorURL: y\n", 3, "'mirrorurl' is not used by Bootstrap: localimage"),
        ("\n\nBootstrap: nosuch\n", 3, "unknown bootstrap agent 'nosuch'"),
        ("Bootstrap: docker\n", 1, "Bootstrap: docker needs 'From: an image reference"),
        ("Bootstrap: library\nFrom: x\n", 1, "is not supported"),
        ("Bootstrap: yum\n", 1, "is not supported"),
        ("Bootstrap: localimage\nFrom: x\nStage: one\n", 3, "multi-stage recipes (Stage:)"),
        ("Bootstrap: localimage\nFrom: x\nFingerprints: ABC\n", 3, "does not verify SIF signatures"),
        ("Bootstrap: scratch\n%post\n  true\nBootstrap: scratch\n", 4, "multi-stage recipes are not supported"),
        ("Bootstrap: scratch\n%setup\n  touch x\n", 2, "%setup is not supported"),
        ("Bootstrap: scratch\n%pre\n", 2, "%pre is not supported"),
        ("Bootstrap: scratch\n\n%startscript\n  x\n", 3, "%startscript is not supported"),
        ("Bootstrap: scratch\n%arguments\n  v=1\n", 2, "%arguments is not supported"),
        ("Bootstrap: scratch\n%apprun foo\n  x\n", 2, "%apprun is not supported"),
        ("Bootstrap: scratch\n%appinstall foo\n", 2, "%appinstall is not supported"),
        ("Bootstrap: scratch\n%post\n  true\n%nosuch\n", 4, "unknown section %nosuch"),
        ("Bootstrap: scratch\n  %Files_x\n", 2, "unknown section %files_x"),
        ("Bootstrap: scratch\n%\n", 2, "no section name"),
        ("Bootstrap: scratch\n%files from builder\n  a /a\n", 2, "%files from a stage"),
        ("Bootstrap: scratch\n%files extra\n", 2, "%files takes no arguments"),
        ("Bootstrap: scratch\n%files\n  a b c\n", 3, "has 3 paths"),
        ("Bootstrap: scratch\n%files\n  \"a b\n", 3, "unterminated quote"),
        ("Bootstrap: scratch\n%files\n  \"\" /x\n", 3, "an empty path"),
        ("Bootstrap: scratch\n%labels x\n", 2, "%labels takes no arguments"),
        ("Bootstrap: scratch\n%environment -x\n", 2, "%environment takes no arguments"),
        ("Bootstrap: scratch\n%post -c\n", 2, "-c needs the absolute path"),
        ("Bootstrap: scratch\n%post -c bash\n", 2, "-c needs the absolute path"),
        ("Bootstrap: scratch\n%test --weird\n", 2, "unsupported argument '--weird'"),
        ("Bootstrap: scratch\n%runscript foo\n", 2, "unsupported argument 'foo'"),
    ])
    func badRecipesNameTheLine(text: String, line: Int, message: String) {
        let failure = error(text)
        #expect(failure?.file == file, "\(text)")
        #expect(failure?.line == line, "\(String(describing: failure)) for \(text)")
        #expect(failure?.message.contains(message) == true, "\(String(describing: failure)) for \(text)")
        #expect(failure?.description.hasPrefix("\(file):\(line): ") == true)
    }

    @Test func binaryInputIsRefusedAtItsLine() {
        var bytes = Array("Bootstrap: scratch\n%post\n".utf8)
        bytes += [0x65, 0x00, 0x0a]
        #expect(throws: RecipeError(file: file, line: 3, "a NUL byte: this is not a text file")) {
            try RecipeParser.parse(bytes, file: file)
        }
        let latin1 = Array("Bootstrap: scratch\n%help\n".utf8) + [0xe9, 0x0a]
        #expect(throws: RecipeError(file: file, line: 3, "not valid UTF-8 text")) {
            try RecipeParser.parse(latin1, file: file)
        }
    }

    /// Random mutations of a valid recipe never crash the parser: each parses or names a line
    /// inside the file.
    @Test func mutatedRecipesNeverCrash() {
        let seed = Array(
            """
            Bootstrap: docker-archive
            From: busybox.tar:busybox:latest
            IncludeCmd: yes
            %files
              "a b" /c
            %post -c /bin/sh -x
              echo hi \\
            %labels
              K V
            %environment
              export A=1
            %runscript
              exec "$@"
            """.utf8)
        let alphabet = Array("%:#\\\"' \t\n\r\0abc/-.".utf8) + [0xff, 0xc3]
        var state: UInt64 = 0x9e37_79b9_7f4a_7c15
        func random(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        for _ in 0..<3000 {
            var bytes = seed
            for _ in 0..<(1 + random(6)) {
                switch random(3) {
                case 0: bytes[random(bytes.count)] = alphabet[random(alphabet.count)]
                case 1: bytes.insert(alphabet[random(alphabet.count)], at: random(bytes.count))
                default: if bytes.count > 1 { bytes.remove(at: random(bytes.count)) }
                }
            }
            let lines = bytes.filter { $0 == 0x0a }.count + 1
            do {
                _ = try RecipeParser.parse(bytes, file: file)
            } catch {
                #expect((1...lines).contains(error.line), "\(error)")
            }
        }
    }

    @Test func everyRefusedFeatureIsReportedInOnePassWithItsLine() throws {
        let text =
            "Bootstrap: localimage\nFrom: base.sqfs\nFingerprints: ABC\n%setup\n  touch x\n%post\n  true\n%appinstall foo\n  make\n%startscript\n  run\n"
        let found = try #require(error(text))
        let lines = ([found] + found.more).map { "\($0.line)" }
        #expect(lines == ["3", "4", "8", "10"], "\(found)")
        #expect(found.description.split(separator: "\n").count == 4)
        #expect(found.description.split(separator: "\n").allSatisfy { $0.hasPrefix("app.def:") })
        // A single problem stays a single line.
        #expect(error("Bootstrap: scratch\n%setup\n  x\n")?.more.isEmpty == true)
    }
}
