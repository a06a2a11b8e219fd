import Testing

@testable import GourdCore

/// Apptainer evaluates --env-file lines and --env / APPTAINERENV_ values with a shell: gourd
/// checks their syntax on the host and hands what expands to the image's shell.
@Suite("Apptainer compatibility: evaluated variables")
struct EnvironmentEvaluationTests {
    func word(_ text: String) -> ShellWord? {
        if case .success(let word) = ShellWord.scanAssignmentValue(text) { return word }
        return nil
    }

    func failure(_ text: String) -> String? {
        if case .failure(let error) = ShellWord.scanAssignmentValue(text) { return error.reason }
        return nil
    }

    @Test("shell words: quotes removed, expansions found, comments after a blank")
    func words() {
        #expect(word("plain") == ShellWord(literal: "plain", expands: false))
        #expect(word(#""two words""#) == ShellWord(literal: "two words", expands: false))
        #expect(word("'$HOME stays'") == ShellWord(literal: "$HOME stays", expands: false))
        #expect(word(#"a\ b"#) == ShellWord(literal: "a b", expands: false))
        #expect(word("$HOME/x") == ShellWord(literal: "$HOME/x", expands: true))
        #expect(word(#""${A:-x y}/$(uname -m)""#) == ShellWord(literal: "${A:-x y}/$(uname -m)", expands: true))
        #expect(word("`hostname`") == ShellWord(literal: "`hostname`", expands: true))
        #expect(word(#""cost: \$5""#) == ShellWord(literal: "cost: $5", expands: false))
        #expect(word("a#b # a comment") == ShellWord(literal: "a#b", expands: false))
        #expect(word("5$") == ShellWord(literal: "5$", expands: false))
        #expect(word("") == ShellWord(literal: "", expands: false))
    }

    @Test("what is not one word is refused with the reason")
    func refusals() {
        #expect(failure("hello world") == "more than one word after '=' (quote the value)")
        #expect(failure(#""open"#) == "unterminated double quote")
        #expect(failure("'open") == "unterminated single quote")
        #expect(failure("$(date") == "unterminated $(")
        #expect(failure("${A") == "unterminated ${")
        #expect(failure("a;rm -rf x") == "unquoted ';' (quote the value)")
        #expect(failure(#"trailing\"#) == "ends with a backslash")
    }

    @Test("--env values are injected in double quotes, as Apptainer writes them")
    func doubleQuoted() throws {
        #expect(ShellWord.needsEvaluation("plain value") == false)
        #expect(ShellWord.needsEvaluation(#"\$PATH:/x"#))
        #expect(try ShellWord.doubleQuoted(#"\$PATH:"q""#).get() == #""\$PATH:\"q\"""#)
        #expect(try ShellWord.doubleQuoted(#"dir\"#).get() == #""dir\\""#)
        guard case .failure(let error) = ShellWord.doubleQuoted("$(oops") else {
            Issue.record("an unterminated $( was accepted")
            return
        }
        #expect(error.reason == "unterminated $(")
    }

    @Test("--env-file: expanding lines keep their text for the container's shell; a bad line names file, line and variable")
    func envFileLines() throws {
        let text = "# set up\nexport A=1\nB=\"$A two\"  # comment\nC='$A'\nD=${HOME}/x\n"
        let lines = try EnvironmentFile.lines(text, path: "vars.env")
        #expect(lines.map(\.variable.name) == ["A", "B", "C", "D"])
        #expect(lines.map(\.shellText) == [nil, "\"$A two\"  # comment", nil, "${HOME}/x"])
        #expect(lines[2].variable.value == "$A")
        #expect(
            planError { () throws(PlanError) in try EnvironmentFile.lines("A=1\nB=two words\n", path: "vars.env") }
                == .badEnvironmentFile("vars.env", reason: "line 2: B: more than one word after '=' (quote the value)"))
    }

    func plan(
        _ request: LaunchRequest, host: FakeHost = Fixture.host(), context: HostContext = Fixture.context(),
        image: FakeImage = Fixture.image()
    )
        throws(PlanError) -> LaunchPlan
    {
        try Fixture.plan(request, host: host, image: image, context: context)
    }

    @Test("an image without env scripts gets the shell only when a value expands; in Apptainer's order")
    func wrapper() throws {
        var host = Fixture.host()
        host["/home/alice/project/vars.env"] = .file("FROM_FILE=\"$HOME/data\"\nPLAIN='a b'\n")
        var request = LaunchRequest(mode: .exec(["env"]), environment: [#"LATE=\$FROM_FILE-$USER"#])
        request.envFiles = ["vars.env"]
        let context = Fixture.context(environment: env(["APPTAINERENV_EARLY": "$HOME", "USER": "alice"]))
        let evaluated = try plan(request, host: host, context: context)
        #expect(
            evaluated.argv == [
                "/bin/bash", "-c",
                "EARLY=\"$HOME\"\nexport EARLY; FROM_FILE=\"$HOME/data\"\nexport FROM_FILE; export PLAIN='a b'; "
                    + "LATE=\"\\$FROM_FILE-$USER\"\nexport LATE; exec \"$@\"",
                "gourd", "env",
            ])
        #expect(evaluated.environmentChanges.contains { $0.name == "LATE" && $0.reason == "--env (evaluated by the image's shell)" })
        var plain = LaunchRequest(mode: .exec(["env"]), environment: ["A=1", "B=two words"])
        #expect(try plan(plain).argv == ["env"])
        plain.environment = ["A=$HOME"]
        plain.noEval = true
        #expect(try plan(plain).argv == ["env"])
        #expect(try plan(plain).environment.contains(EnvironmentVariable("A", "$HOME")))
    }

    @Test("a value the shell could not read is refused before launch; no shell in the image: a warning")
    func badValuesAndNoShell() throws {
        let request = LaunchRequest(mode: .exec(["env"]), environment: ["A=$(date"])
        #expect(
            planError { () throws(PlanError) in try plan(request) }
                == .badEnvironmentValue("A", origin: "--env", reason: "unterminated $("))
        var image = Fixture.image()
        image["/bin/sh"] = nil
        image["/bin/bash"] = nil
        let planned = try plan(LaunchRequest(mode: .exec(["/bin/env"]), environment: ["A=$HOME"]), image: image)
        #expect(planned.argv == ["/bin/env"])
        #expect(planned.warnings.contains("variables with $ or ` are taken as written: the image has no /bin/sh to evaluate them"))
    }

    @Test("--no-eval and --compat from the environment")
    func noEvalForms() throws {
        let exec = LaunchRequest(mode: .exec(["true"]))
        #expect(try FlagEnvironment.apply(to: exec, environment: [EnvironmentVariable("APPTAINER_NO_EVAL", "1")]).noEval)
        #expect(try FlagEnvironment.apply(to: exec, environment: [EnvironmentVariable("APPTAINER_COMPAT", "1")]).noEval)
    }
}
