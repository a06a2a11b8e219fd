import Foundation
import GourdCore
import Testing

extension Integration {
    @Suite struct ExitStatus {
        @Test(arguments: [0, 1, 7, 42, 255])
        func workloadCodeIsReturned(code: Int) throws {
            #expect(try Gourd.sh("exit \(code)").status == Int32(code))
        }

        @Test func notFoundIs127() throws {
            let out = try Gourd.run(["exec", Gourd.env.image("busybox-zstd.sqfs"), "no-such-command"])
            #expect(out.status == GourdExit.notFound)
            #expect(out.stderr == "gourd: no-such-command: command not found in the image\n", "\(out)")
            expectNothingLeft()
        }

        @Test func notExecutableIs126() throws {
            let out = try Gourd.run(["exec", Gourd.env.image("busybox-zstd.sqfs"), "/bin/not-executable"])
            #expect(out.status == GourdExit.cannotExecute)
            #expect(out.stderr.contains("/bin/not-executable: cannot execute: Permission denied"), "\(out)")
        }

        @Test func scriptWithoutShebangRunsWithSh() throws {
            let out = try Gourd.run(["exec", Gourd.env.image("busybox-zstd.sqfs"), "noshebang", "a", "b"])
            #expect(out.lines == ["script-ran a b"], "\(out)")
        }

        @Test func deathBySignalIs128PlusN() throws {
            #expect(try Gourd.sh("kill -TERM $$").status == 128 + SIGTERM)
            #expect(try Gourd.sh("kill -SEGV $$").status == 128 + SIGSEGV)
            #expect(try Gourd.sh("kill -KILL $$").status == 128 + SIGKILL)
        }

        @Test(arguments: [["exec", "--no-such-flag"], ["exec"], ["frobnicate"], ["exec", "--bind"]])
        func badCommandLineIs125(args: [String]) throws {
            let out = try Gourd.run(args)
            #expect(out.status == GourdExit.launchFailed, "\(out)")
            #expect(out.stderr.hasPrefix("gourd: "), "\(out)")
        }

        @Test func versionAndHelpExitZero() throws {
            #expect(try Gourd.run(["--version"]).status == 0)
            #expect(try Gourd.run(["exec", "--help"]).stdout.contains("USAGE"))
        }
    }
}
