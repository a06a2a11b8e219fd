import ArgumentParser
import Testing

@testable import gourd

/// The fast parser must either decline (nil) or produce exactly what swift-argument-parser
/// produces for the same command line.
@Suite struct FastLaunchParserTests {
    static let img = "/images/app.sqfs"

    /// Command lines users type; the fast parser must take all of these.
    static let common: [[String]] = [
        ["exec", img, "true"],
        ["exec", img, "python3", "train.py", "--epochs", "3"],
        ["exec", img, "sh", "-c", "echo hi"],
        ["exec", "-B", "/scratch:/data", img, "ls", "/data"],
        ["exec", "--bind", "/a:/b:ro", "--bind=/c", img, "ls"],
        ["exec", "--env", "A=1", "--env=B=2=3", "--cleanenv", "-v", img, "env"],
        ["exec", "--verbose", "-B", "/x", "--env", "C=", img, "cmd", "-B", "--env", "x"],
        ["run", img],
        ["run", img, "a", "b"],
        ["run", "-B", "/x", img, "a", "--flag-for-runscript"],
        ["shell", img],
        ["shell", "--shell", "/bin/bash", img],
        ["shell", "--shell=/bin/zsh", "-B", "/x", img],
        ["exec", "--pwd", "/data", "--no-home", img, "ls"],
        ["run", "--pwd=/opt", img],
        ["exec", "--gpu", img, "nvidia-smi"],
        ["exec", "--gpu=nvidia", "-B", "/x", img, "x"],
        ["exec", "--nv", "--gpu=nvidia", img, "x"],
        ["run", "--rocm", img],
        ["exec", "--dev=host", img, "x"],
        ["exec", "--dev", "minimal", "--gpu=none", img, "x"],
        ["shell", "--gpu=auto", img],
        ["exec", "--share=job1", img, "x"],
        ["exec", "--share", "none", "--nv", img, "x"],
        // Apptainer's spellings (issue 15).
        ["exec", "-B", "/a,/b:/mnt/b:ro", "--env", "A=1,B=2", img, "x"],
        ["exec", "-e", "-c", "--cwd", "/data", img, "x"],
        ["exec", "-C", "--home", "/scratch/h:/home/me", img, "x"],
        ["exec", "--contain", "--containall", "--cleanenv", img, "x"],
        ["exec", "--no-mount", "tmp,cwd", "--no-mount=home", img, "x"],
        ["exec", "--workdir", "/w", "-S", "/s1,/s2", "--scratch=/s3", img, "x"],
        ["exec", "--env-file", "vars.env", "--env-file=more.env", img, "x"],
        ["exec", "--pid", "-p", "--userns", "-u", "--no-privs", "--no-init", "--no-eval", img, "x"],
        ["run", "--home=/h", "--cwd=/opt", "--workdir=/w", img],
        ["shell", "--containall", "--no-mount", "home", img],
        ["exec", "--net", "--network", "none", "--hostname", "n1", "--ipc", img, "x"],
        ["exec", "-n", "--network=none", "-i", "--uts", "--hostname=n2", img, "x"],
        ["exec", "--writable-tmpfs", img, "x"], ["run", "--compat", img],
        ["exec", "--overlay", "/ov", "-o", "/a.sqfs,/b:ro", "--overlay=/c:ro", img, "x"],
        // Warm launches (issue 12).
        ["exec", "--warm=off", img, "x"], ["exec", "--warm", "45", "-B", "/x", img, "x"], ["shell", "--warm=1", img],
        ["exec", "--fuse-cache=256", img, "x"], ["exec", "--fuse-cache", "8", "-B", "/x", img, "x"],
    ]

    /// Command lines the fast parser declines, leaving them to swift-argument-parser.
    static let declined: [[String]] = [
        [], ["exec"], ["exec", img], ["exec", "--help"], ["exec", "-h", img, "true"],
        ["exec", "--bogus", img, "true"], ["exec", "-B"], ["exec", "-B", "--env", img, "x"],
        ["exec", "-B/x", img, "true"], ["exec", "--cleanenv=1", img, "true"],
        ["exec", img, "--bind", "/x", "true"], ["run", img, "-c", "echo"], ["shell", img, "extra"],
        ["shell", "--shell", "/a", "--shell", "/b", img], ["exec", "--shell", "/a", img, "x"],
        ["check"], ["--version"], ["frobnicate", img], ["exec", "--pwd", "/a", "--pwd", "/b", img, "x"],
        ["exec", "--no-home=yes", img, "x"],
        ["exec", "--gpu=bad!", img, "x"], ["exec", "--nv", "--rocm", img, "x"], ["exec", "--dev=all", img, "x"],
        ["exec", "--nv=1", img, "x"], ["exec", "--gpu=amd", "--nv", img, "x"],
        ["exec", "--share=a/b", img, "x"], ["exec", "--share=x", "--share=y", img, "x"],
        ["exec", "-S/x", img, "x"], ["exec", "--contain=1", img, "x"], ["exec", "-e=1", img, "x"],
        ["exec", "--home", "/a", "--home", "/b", img, "x"], ["exec", "--workdir", "/a", "--workdir", "/b", img, "x"],
        ["exec", "--pwd", "/a", "--cwd", "/b", img, "x"], ["exec", "--fakeroot", img, "x"], ["exec", "-ec", img, "x"],
        ["exec", "--hostname", "a", "--hostname", "b", img, "x"], ["exec", "--ipc=1", img, "x"],
        ["exec", "--warm=soon", img, "x"], ["exec", "--warm=0.5", img, "x"], ["exec", "--warm=1", "--warm=2", img, "x"],
        ["exec", "--fuse-cache=0", img, "x"], ["exec", "--fuse-cache=lots", img, "x"],
        ["exec", "--fuse-cache", "8", "--fuse-cache", "9", img, "x"],
    ]

    static func viaArgumentParser(_ arguments: [String]) -> LaunchInvocation? {
        switch try? Gourd.parseAsRoot(BareGPUFlag.normalize(arguments)) {
        case let command as Gourd.Exec: return command.invocation
        case let command as Gourd.Run: return command.invocation
        case let command as Gourd.Shell: return command.invocation
        default: return nil
        }
    }

    @Test(arguments: common)
    func commonCommandLinesTakeTheFastPathAndAgree(arguments: [String]) throws {
        let fast = try #require(FastLaunchParser.parse(arguments), "fast path declined \(arguments)")
        #expect(fast == Self.viaArgumentParser(arguments), "\(arguments)")
    }

    @Test(arguments: declined)
    func unusualCommandLinesAreLeftToArgumentParser(arguments: [String]) {
        #expect(FastLaunchParser.parse(arguments) == nil, "\(arguments)")
    }

    @Test func parsedValuesAreTheExpectedOnes() throws {
        let invocation = try #require(
            FastLaunchParser.parse(
                ["exec", "-B", "/a:/b", "--env=X=1", "--cleanenv", Self.img, "cmd", "arg"]))
        #expect(
            invocation
                == LaunchInvocation(
                    image: Self.img, mode: .exec(["cmd", "arg"]), binds: ["/a:/b"],
                    environment: ["X=1"], cleanEnvironment: true, verbose: false))
        #expect(FastLaunchParser.parse(["shell", Self.img])?.mode == .shell(nil))
        #expect(FastLaunchParser.parse(["run", Self.img])?.mode == .run([]))
        #expect(FastLaunchParser.parse(["exec", "--gpu", Self.img, "x"])?.gpu == .any)
        #expect(FastLaunchParser.parse(["exec", "--nv", Self.img, "x"])?.gpu == .vendor("nvidia"))
        #expect(FastLaunchParser.parse(["exec", "--dev", "host", Self.img, "x"])?.devices == .host)
    }

    /// swift-argument-parser has no optional option values: a bare --gpu among the options
    /// becomes --gpu=any, and nothing else changes (not a value, not the command's own --gpu).
    @Test func bareGPUFlagIsNormalizedOnlyAmongTheOptions() {
        #expect(BareGPUFlag.normalize(["exec", "--gpu", Self.img, "x", "--gpu"]) == ["exec", "--gpu=any", Self.img, "x", "--gpu"])
        #expect(BareGPUFlag.normalize(["exec", "--env", "--gpu", Self.img, "x"]) == ["exec", "--env", "--gpu", Self.img, "x"])
        #expect(BareGPUFlag.normalize(["exec", "--gpu=amd", Self.img]) == ["exec", "--gpu=amd", Self.img])
    }

    @Test func overlaysAndContainAllIPC() throws {
        let overlays = try #require(FastLaunchParser.parse(["exec", "-o", "/ov", "--overlay=/a.sqfs,/b:ro", Self.img, "x"]))
        #expect(overlays.overlays == ["/ov", "/a.sqfs", "/b:ro"])
        #expect(FastLaunchParser.parse(["exec", "-C", Self.img, "x"])?.ipc == true)
        #expect(FastLaunchParser.parse(["run", "--compat", Self.img])?.ipc == true)
        #expect(FastLaunchParser.parse(["exec", "-c", Self.img, "x"])?.ipc == false)
        #expect(Self.viaArgumentParser(["exec", "--containall", Self.img, "x"])?.ipc == true)
    }

    @Test func apptainerValuesAreParsed() throws {
        let invocation = try #require(
            FastLaunchParser.parse(
                [
                    "exec", "-C", "--home", "/h:/home/me", "--no-mount", "tmp,cwd", "-S", "/a,/b", "--workdir", "/w",
                    "--env-file", "e.env", Self.img, "x",
                ]))
        #expect(invocation.contain && invocation.cleanEnvironment)
        #expect(invocation.homeSpec == "/h:/home/me")
        #expect(invocation.noMount == ["tmp", "cwd"])
        #expect(invocation.scratch == ["/a", "/b"])
        #expect(invocation.workspace == "/w")
        #expect(invocation.envFiles == ["e.env"])
    }
}
