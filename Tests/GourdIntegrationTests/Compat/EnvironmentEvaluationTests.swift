import Foundation
import GourdCore
import Testing

extension Integration {
    /// Issue 15: --env-file lines and --env / APPTAINERENV_ values are evaluated as Apptainer
    /// evaluates them, by a shell, here the image's own, inside the container: `$HOME` is the
    /// container's home, `$(...)` runs in the image, a variable of the image's env scripts can
    /// be used, `\$` keeps a literal `$`.
    @Suite struct EnvironmentEvaluation {
        static let busybox = Gourd.env.image("busybox-zstd.sqfs")
        static let compat = Gourd.env.image("compat.sqfs")

        func envFile(_ text: String) -> String {
            let path = Scratch.shared.path + "/vars-\(UUID().uuidString.prefix(8)).env"
            Scratch.shared.write(text, to: path)
            return path
        }

        @Test func envFileIsEvaluatedByTheImagesShell() throws {
            let file = envFile(
                """
                # a comment, then a blank line

                export A=1
                B="$A two"   # quoted, with a comment
                C='$A stays'
                D=${HOME}/data
                E="say \\"hi\\""
                F=$(echo from-$A)
                G=${UNSET_HERE:-default value}

                """)
            let script = #"printf '%s|' "$A" "$B" "$C" "$D" "$E" "$F" "$G"; echo"#
            for image in [Self.busybox, Self.compat] {
                let out = try Gourd.run(["exec", "--env-file", file, image, "sh", "-c", script])
                #expect(
                    out.lines == ["1|1 two|$A stays|\(Gourd.env.user.home)/data|say \"hi\"|from-1|default value|"],
                    "\(image): \(out)")
            }
            // The image's env scripts run first: their variables can be used.
            let after = envFile("X=\"$FROM_APPTAINER_ENV-and-file\"\n")
            let out = try Gourd.run(["exec", "--env-file", after, Self.compat, "sh", "-c", "echo $X"])
            #expect(out.lines == ["yes-and-file"], "\(out)")
            expectNothingLeft()
        }

        /// Apptainer's "Evaluating container variables": the value arrives as the user quoted
        /// it on the host; `$NAME` expands in the container, `\$NAME` stays literal.
        @Test func injectedAndFlagValuesExpandInTheContainer() throws {
            let script = #"printf '%s|' "$FROM_HOST" "$LITERAL" "$FLAG" "${PATH##*:}"; echo"#
            let out = try Gourd.run(
                ["exec", "--env", "FLAG=$FROM_HOST+flag", "--env", "PATH=$PATH:/endpath", Self.busybox, "sh", "-c", script],
                env: ["APPTAINERENV_FROM_HOST": "$HOME/x", "SINGULARITYENV_LITERAL": #"cost \$5"#])
            #expect(out.lines == ["\(Gourd.env.user.home)/x|cost $5|\(Gourd.env.user.home)/x+flag|/endpath|"], "\(out)")
            let literal = try Gourd.run(
                ["exec", "--no-eval", "--env", "FLAG=$HOME", Self.busybox, "sh", "-c", #"echo "$FLAG""#])
            #expect(literal.lines == ["$HOME"], "\(literal)")
            expectNothingLeft()
        }

        @Test func malformedValuesAreRefusedInOneLine() throws {
            let file = envFile("A=1\nB=two words\n")
            let cases: [([String], [String: String], String)] = [
                (["--env-file", file], [:], "gourd: --env-file \(file): line 2: B: more than one word after '=' (quote the value)"),
                (["--env", "A=$(date"], [:], "gourd: --env A: unterminated $( (write \\$ for a literal $, or use --no-eval)"),
                ([], ["APPTAINERENV_Q": "`oops"], "gourd: APPTAINERENV_Q: unterminated backquote"),
            ]
            for (options, env, message) in cases {
                let out = try Gourd.run(["exec"] + options + [Self.busybox, "echo", "ran"], env: env)
                #expect(out.status == GourdExit.launchFailed && out.stdout.isEmpty, "\(out)")
                #expect(out.stderr.hasPrefix(message) && out.stderr.split(separator: "\n").count == 1, "\(out)")
            }
            expectNothingLeft()
        }
    }
}
