import Foundation
import GourdCore
import Testing

extension Integration {
    @Suite struct Environment {
        @Test func hostEnvironmentPassesExceptBlockedNames() throws {
            let out = try Gourd.sh(
                "echo \"$MY_VAR|$LD_PRELOAD|$LD_LIBRARY_PATH|$PATH\"",
                env: ["MY_VAR": "hello", "LD_PRELOAD": "/host/lib.so", "LD_LIBRARY_PATH": "/host/lib"])
            #expect(out.lines == ["hello|||/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "\(out)")
        }

        @Test func cleanenvStartsMinimal() throws {
            let out = try Gourd.sh("echo \"${MY_VAR:-unset}|$HOME|$USER\"", options: ["--cleanenv"], env: ["MY_VAR": "hello"])
            #expect(out.lines == ["unset|\(TestEnvironment.shared.user.home)|\(TestEnvironment.shared.user.name)"], "\(out)")
        }

        @Test func gourdenvAndEnvFlagsSetVariablesAndFlagsWin() throws {
            let out = try Gourd.sh(
                "echo \"$A|$B|$PATH\"", options: ["--env", "B=flag", "--env", "PATH=/bin"],
                env: ["GOURDENV_A": "from-gourdenv", "GOURDENV_B": "loses"])
            #expect(out.lines == ["from-gourdenv|flag|/bin"], "\(out)")
        }

        @Test func containerIsNamed() throws {
            let out = try Gourd.sh("echo $GOURD_CONTAINER")
            #expect(out.lines == [Gourd.env.image("busybox-zstd.sqfs")], "\(out)")
        }

        @Test func imageMetadataEnvironmentAppliesBeforeUserOverrides() throws {
            let out = try Gourd.sh(
                "echo \"$FROM_GOURD_META|$OVERRIDE_ME|$PATH\"", image: "gourd-meta.sqfs",
                env: ["OVERRIDE_ME": "host"])
            #expect(out.lines == ["yes|image|/opt/bin:/bin"], "image env beats host env: \(out)")
            let overridden = try Gourd.sh("echo \"$OVERRIDE_ME\"", image: "gourd-meta.sqfs", options: ["--env", "OVERRIDE_ME=flag"])
            #expect(overridden.lines == ["flag"], "\(overridden)")
        }

        @Test func apptainerEnvironmentScriptsAreSourcedAndUserWins() throws {
            let out = try Gourd.sh(
                "echo \"$FROM_APPTAINER_ENV|$OVERRIDE_ME\"", image: "apptainer.sqfs",
                env: ["GOURDENV_OVERRIDE_ME": "it's mine"])
            #expect(out.lines == ["yes|it's mine"], "\(out)")
        }

        @Test func badEnvFlagIsAClearError() throws {
            let out = try Gourd.sh("true", options: ["--env", "1BAD=x"])
            #expect(out.status == GourdExit.launchFailed)
            #expect(out.stderr.contains("--env '1BAD=x'"), "\(out)")
        }
    }
}
