import Foundation
import GourdCore
import GourdFormats
import Testing

/// A directory the test user owns, holding recipes and the images built from them, with a
/// TMPDIR of its own: after every build it must be empty again (no workspace left).
struct BuildDir {
    let path: String
    let tmp: String

    init(_ name: String) {
        path = Scratch.shared.directory("build-" + name)
        tmp = path + "/tmpdir"
        mkdir(tmp, 0o700)
        Scratch.shared.chownToUser(tmp)
    }

    func file(_ name: String) -> String { path + "/" + name }

    @discardableResult
    func write(_ name: String, _ text: String) -> String {
        let target = file(name)
        Scratch.shared.write(text, to: target)
        return target
    }

    /// `gourd build ARGS` as the test user, in this directory, with TMPDIR=tmp.
    func build(_ args: [String], env: [String: String] = [:], timeout: Double = 120) throws -> Outcome {
        try Gourd.run(["build"] + args, env: ["TMPDIR": tmp].merging(env) { _, new in new }, cwd: path, timeout: timeout)
    }

    /// Builds RECIPE-TEXT into OUTPUT and expects success.
    @discardableResult
    func buildOK(
        _ output: String, recipe: String, name: String = "r.def", args: [String] = [],
        env: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Outcome {
        write(name, recipe)
        let out = try build(args + [output, name], env: env)
        #expect(out.status == 0, "\(out)", sourceLocation: sourceLocation)
        expectClean(sourceLocation: sourceLocation)
        return out
    }

    /// Names in the directory (the recipes, inputs and finished images only).
    var entries: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }

    /// No workspace in TMPDIR, no temporary output beside the images, no process left.
    func expectClean(sourceLocation: SourceLocation = #_sourceLocation) {
        let left = (try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? ["<unreadable>"]
        #expect(left.isEmpty, "workspace left in TMPDIR: \(left)", sourceLocation: sourceLocation)
        let partial = entries.filter { $0.contains(".gourd-tmp.") }
        #expect(partial.isEmpty, "partial output left: \(partial)", sourceLocation: sourceLocation)
        expectNothingLeft(sourceLocation: sourceLocation)
    }

    func bytes(_ name: String) -> Data? { FileManager.default.contents(atPath: file(name)) }

    func inspect(_ name: String) throws -> ImageInspection {
        let out = try Gourd.run(["inspect", "--json", file(name)])
        #expect(out.status == 0, "\(out)")
        return try JSONDecoder().decode(ImageInspection.self, from: Data(out.stdout.utf8))
    }

    /// `gourd exec IMAGE sh -c SCRIPT`.
    func sh(_ image: String, _ script: String) throws -> Outcome {
        try Gourd.run(["exec", file(image), "sh", "-c", script])
    }
}

/// Processes of the test user whose command line contains `marker` (what a %post started).
func processes(containing marker: String) -> [String] {
    HostState.pids().compactMap { pid in
        guard pid != getpid(), let data = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")) else { return nil }
        let text = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
        return text.contains(marker) ? "pid \(pid): \(text)" : nil
    }
}

/// `gourd build` from recipes, run as the ordinary test user: sections, packing, metadata,
/// reproducibility, and what a failed or interrupted build leaves (nothing).
extension Integration {
    @Suite struct Build {
        /// busybox as /bin/busybox and /bin/sh (busybox runs the applet its name says).
        static let busybox = """
            Bootstrap: scratch

            %files
                /bin/busybox /bin/busybox
                /bin/busybox /bin/sh

            """

        static let everySection =
            busybox + """
                %files
                    data.txt /opt/data.txt
                    tool /opt/bin/
                    tree /opt/tree

                %post
                    /bin/busybox --install -s /bin
                    echo "post as $(id -u):$(id -g) in $(pwd)" > /from-post
                    chown 1234:5678 /from-post
                    chown -R 4321 /opt/tree
                    echo 'export FROM_POST_ENV=yes' >> "$APPTAINER_ENVIRONMENT"
                    readlink /proc/self/ns/net > /post-netns
                    test -c /dev/null && test -c /dev/urandom
                    echo ok > /tmp/not-in-image

                %environment
                    export GREETING=hello

                %runscript
                    echo "runscript: $GREETING $*"

                %labels
                    Author gourd tests
                    Version 1

                %help
                Prints a greeting.

                %test
                    test "$GREETING" = hello
                    test -x /bin/sh
                """

        func prepareInputs(_ dir: BuildDir) {
            dir.write("data.txt", "some data\n")
            dir.write("tool", "#!/bin/sh\necho tool ran\n")
            chmod(dir.file("tool"), 0o755)
            mkdir(dir.file("tree"), 0o755)
            mkdir(dir.file("tree/sub"), 0o700)
            dir.write("tree/sub/leaf", "leaf\n")
            symlink("sub/leaf", dir.file("tree/link"))
            Scratch.shared.chownToUser(dir.file("tree"))
            Scratch.shared.chownToUser(dir.file("tree/sub"))
            lchown(dir.file("tree/link"), Gourd.env.user.uid, Gourd.env.user.gid)
        }

        @Test func everySectionEndsUpInTheImage() throws {
            let dir = BuildDir("sections")
            prepareInputs(dir)
            let out = try dir.buildOK("img.sqfs", recipe: Self.everySection)
            #expect(out.stderr.contains("gourd build: %post (r.def:11)"), "\(out)")
            #expect(out.stderr.contains("gourd build: %test (r.def:"), "\(out)")
            #expect(dir.entries == ["data.txt", "img.sqfs", "r.def", "tmpdir", "tool", "tree"])

            // %runscript with %environment's variable, and the arguments.
            let run = try Gourd.run(["run", dir.file("img.sqfs"), "a", "b"])
            #expect(run.status == 0 && run.stdout == "runscript: hello a b\n", "\(run)")
            // %post ran as root inside (mapped onto the builder), its chown pretended, its
            // $APPTAINER_ENVIRONMENT export and the %files are there, its /tmp is not.
            let hostNet = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")) ?? "?"
            let probe = try dir.sh(
                "img.sqfs",
                """
                cat /from-post; echo "$FROM_POST_ENV"; cat /post-netns; cat /opt/data.txt; /opt/bin/tool
                stat -c '%a %n' /opt/bin/tool /opt/tree/sub /opt/.; test -L /opt/tree/link || echo followed; cat /opt/tree/link
                test -e /tmp/not-in-image && echo tmp-leaked; test -e /.singularity.d/test && echo has-test
                """)
            #expect(probe.status == 0, "\(probe)")
            #expect(
                probe.lines == [
                    "post as 0:0 in /", "yes", hostNet, "some data", "tool ran",
                    "755 /opt/bin/tool", "700 /opt/tree/sub", "755 /opt/.", "followed", "leaf", "has-test",
                ],
                "\(probe)")

            let inspection = try dir.inspect("img.sqfs")
            let recipe = try String(contentsOfFile: dir.file("r.def"), encoding: .utf8)
            #expect(inspection.squashfs.compression == "zstd")
            #expect(inspection.run == ["/.singularity.d/runscript"])
            #expect(inspection.gourd?.labels == ["Author": "gourd tests", "Version": "1"])
            #expect(inspection.gourd?.help == "Prints a greeting.\n")
            #expect(inspection.gourd?.recipe == recipe)
            #expect(inspection.gourd?.runscript == "/.singularity.d/runscript")
            #expect(inspection.gourd?.gourdVersion == (try Gourd.run(["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(inspection.gourd?.bases == [])
            #expect(inspection.apptainer?.labels == ["Author": "gourd tests", "Version": "1"])
            #expect(inspection.apptainer?.runscript == "#!/bin/sh\n\n    echo \"runscript: $GREETING $*\"\n")
            #expect(inspection.apptainer?.help == "Prints a greeting.\n")
            #expect(inspection.apptainer?.definition == recipe + "\n" || inspection.apptainer?.definition == recipe)
            #expect(
                inspection.apptainer?.environmentScripts == [
                    "/.singularity.d/env/90-environment.sh", "/.singularity.d/env/91-environment.sh",
                ])
            // The build time is the recipe's modification time (no SOURCE_DATE_EPOCH).
            let mtime = (try FileManager.default.attributesOfItem(atPath: dir.file("r.def"))[.modificationDate] as? Date)!
            #expect(inspection.gourd?.buildTime == RFC3339.utc(Int64(mtime.timeIntervalSince1970)))
            // Every file is root's in the image (mksquashfs -all-root).
            let text = try Gourd.run(["inspect", dir.file("img.sqfs")]).stdout
            #expect(text.contains("  labels       Author=gourd tests\n"), "\(text)")
        }

        @Test func sameRecipeAndInputsGiveTheSameBytes() throws {
            let dir = BuildDir("repro")
            prepareInputs(dir)
            try dir.buildOK("one.sqfs", recipe: Self.everySection)
            // Another build, later, of the same recipe (same file, same mtime) and inputs.
            sleep(1)
            let out = try dir.build(["two.sqfs", "r.def"])
            #expect(out.status == 0, "\(out)")
            let one = try #require(dir.bytes("one.sqfs"))
            let two = try #require(dir.bytes("two.sqfs"))
            #expect(one == two, "\(one.count) vs \(two.count) bytes")
            // SOURCE_DATE_EPOCH fixes the time instead, and also gives identical bytes.
            for name in ["three.sqfs", "four.sqfs"] {
                let out = try dir.build([name, "r.def"], env: ["SOURCE_DATE_EPOCH": "1234567890"])
                #expect(out.status == 0, "\(out)")
            }
            #expect(dir.bytes("three.sqfs") == dir.bytes("four.sqfs"))
            #expect(dir.bytes("three.sqfs") != one)
            #expect(try dir.inspect("three.sqfs").gourd?.buildTime == "2009-02-13T23:31:30Z")
            dir.expectClean()
        }

        @Test(arguments: ["gzip", "xz", "lz4", "lzo", "zstd"])
        func compression(_ name: String) throws {
            let dir = BuildDir("comp-\(name)")
            try dir.buildOK("img.sqfs", recipe: Self.busybox, args: ["--compression", name])
            #expect(try dir.inspect("img.sqfs").squashfs.compression == name)
            let run = try dir.sh("img.sqfs", "echo works")
            #expect(name == "lzo" || name == "lz4" || run.stdout == "works\n", "\(run)")
        }

        @Test func badCompressionIsRefused() throws {
            let dir = BuildDir("badcomp")
            dir.write("r.def", Self.busybox)
            let out = try dir.build(["--compression", "lzma", "img.sqfs", "r.def"])
            #expect(out.status == GourdExit.launchFailed, "\(out)")
            #expect(out.stderr == "gourd: --compression lzma: use one of zstd, gzip, xz, lz4, lzo\n", "\(out)")
            #expect(dir.entries == ["r.def", "tmpdir"])
        }

        /// Bad recipes: exit 125, one line naming file:line and the cause, no OUTPUT, no
        /// workspace left.
        @Test(arguments: [
            ("Bootstrap: scratch\n%files\n  /bin/busybox /bin/sh\n%nosuch\n  x\n", "r.def:4: unknown section %nosuch"),
            ("Bootstrap: nosuch\n", "r.def:1: unknown bootstrap agent 'nosuch'"),
            ("# base\nBootstrap: localimage\n", "r.def:2: Bootstrap: localimage needs 'From:"),
            ("Bootstrap: localimage\nFrom: nope.sqfs\n", "r.def:1: Bootstrap: localimage: nope.sqfs: no such file"),
            (
                "Bootstrap: scratch\n%files\n  /bin/busybox /bin/sh\n  missing.txt /x\n",
                "r.def:4: %files source 'missing.txt': no such file"
            ),
            ("Bootstrap: scratch\n%setup\n  touch x\n", "r.def:2: %setup is not supported"),
            (
                "Bootstrap: scratch\n%files\n  /bin/busybox /bin/sh\n%post\n  echo before\n  exit 3\n  echo after\n",
                "r.def:4: %post failed: exit status 3"
            ),
            (
                "Bootstrap: scratch\n%files\n  /bin/busybox /bin/sh\n%post\n  false\n  echo not reached\n",
                "r.def:4: %post failed: exit status 1"
            ),
            ("Bootstrap: scratch\n%files\n  /bin/busybox /bin/sh\n%post\n  kill -KILL $$\n", "r.def:4: %post failed: killed by signal 9"),
            (
                "Bootstrap: scratch\n%files\n  /bin/busybox /bin/sh\n%test\n  echo testing\n  exit 7\n",
                "r.def:4: %test failed: exit status 7"
            ),
            ("Bootstrap: scratch\n%post\n  true\n", "%post: /bin/sh does not exist in the image"),
            (
                "Bootstrap: scratch\n%files\n  /bin/busybox /bin/sh\n%post -c /bin/bash\n  true\n",
                "%post: /bin/bash does not exist in the image"
            ),
        ])
        func badRecipe(recipe: String, message: String) throws {
            let dir = BuildDir("bad")
            dir.write("r.def", recipe)
            let out = try dir.build(["img.sqfs", "r.def"])
            #expect(out.status == GourdExit.launchFailed, "\(out)")
            let last = out.stderr.split(separator: "\n").last.map(String.init) ?? ""
            #expect(last.hasPrefix("gourd: ") && last.contains(message), "\(out)")
            #expect(out.stderr.split(separator: "\n").filter { $0.hasPrefix("gourd: ") }.count == 1, "\(out)")
            #expect(dir.entries == ["r.def", "tmpdir"], "no output, no partial output")
            dir.expectClean()
        }

        /// `%files . /src` from a recipe directory that also holds TMPDIR: the build's own
        /// workspace is not copied into the image (it would copy itself forever).
        @Test func filesNeverCopyTheWorkspace() throws {
            let dir = BuildDir("self-copy")
            dir.write("data.txt", "data\n")
            try dir.buildOK("img.sqfs", recipe: Self.busybox + "%files\n  . /src\n")
            let listing = try imageListing(dir.file("img.sqfs")).filter { $0.hasPrefix("src") }
            #expect(listing == ["src", "src/data.txt", "src/r.def", "src/tmpdir"], "\(listing)")
        }

        @Test func missingRecipeAndBadOutput() throws {
            let dir = BuildDir("args")
            dir.write("r.def", Self.busybox)
            var out = try dir.build(["img.sqfs", "no-such.def"])
            #expect(
                out.status == GourdExit.launchFailed && out.stderr.hasPrefix("gourd: recipe no-such.def: No such file or directory"),
                "\(out)")
            out = try dir.build(["no/such/dir/img.sqfs", "r.def"])
            #expect(out.status == GourdExit.launchFailed && out.stderr.contains("no such directory"), "\(out)")
            out = try dir.build([dir.tmp, "r.def"])
            #expect(out.status == GourdExit.launchFailed && out.stderr.contains("is a directory"), "\(out)")
            dir.expectClean()
        }

        @Test func existingOutputNeedsForceAndSurvivesAFailedBuild() throws {
            let dir = BuildDir("force")
            try dir.buildOK("img.sqfs", recipe: Self.busybox)
            let first = dir.bytes("img.sqfs")
            dir.write("r.def", Self.busybox + "%labels\n  second build\n")
            var out = try dir.build(["img.sqfs", "r.def"])
            #expect(out.status == GourdExit.launchFailed && out.stderr.contains("already exists (--force replaces it)"), "\(out)")
            #expect(dir.bytes("img.sqfs") == first)
            // A failing build with --force leaves the old image as it was.
            dir.write("bad.def", Self.busybox + "%post\n  exit 1\n")
            out = try dir.build(["--force", "img.sqfs", "bad.def"])
            #expect(out.status == GourdExit.launchFailed, "\(out)")
            #expect(dir.bytes("img.sqfs") == first)
            out = try dir.build(["--force", "img.sqfs", "r.def"])
            #expect(out.status == 0, "\(out)")
            #expect(dir.bytes("img.sqfs") != first)
            #expect(try dir.inspect("img.sqfs").gourd?.labels == ["second": "build"])
            dir.expectClean()
        }

        /// SIGINT or SIGTERM during %post: the script and everything it started end, the
        /// workspace and the partial image are removed, gourd exits 128 + N.
        @Test(arguments: [SIGTERM, SIGINT, SIGHUP])
        func interruptedBuildLeavesNothing(signal: Int32) throws {
            let dir = BuildDir("interrupt")
            let marker = "sleep 4242\(signal)"
            dir.write("r.def", Self.busybox + "%post\n  /bin/busybox \(marker) &\n  echo post-started\n  /bin/busybox \(marker)\n")
            let running = try Gourd.start(["build", "img.sqfs", "r.def"], env: ["TMPDIR": dir.tmp], cwd: dir.path)
            #expect(running.waitForOutput("post-started", timeout: 30))
            // The background sleep may still be between fork and exec when the echo lands.
            var started = false
            for _ in 0..<250 where !started {
                started = !processes(containing: marker).isEmpty
                if !started { usleep(20_000) }
            }
            #expect(started, "the %post processes are running before the signal")
            running.signal(signal)
            let out = try running.wait(timeout: 20)
            #expect(out.status == 128 + signal, "\(out)")
            #expect(out.stderr.contains("gourd: build interrupted by SIG"), "\(out)")
            #expect(dir.entries == ["r.def", "tmpdir"])
            #expect(processes(containing: marker).isEmpty, "\(processes(containing: marker))")
            dir.expectClean()
        }

        /// gourd build killed with SIGKILL cannot clean up: its workspace stays in TMPDIR until
        /// the next build there sees that no process holds its lock, and removes it.
        @Test func killedBuildsWorkspaceIsRemovedByTheNextBuild() throws {
            let dir = BuildDir("killed")
            let marker = "sleep 4243"
            dir.write("slow.def", Self.busybox + "%post\n  echo post-started\n  /bin/busybox \(marker)\n")
            let running = try Gourd.start(["build", "slow.sqfs", "slow.def"], env: ["TMPDIR": dir.tmp], cwd: dir.path)
            #expect(running.waitForOutput("post-started", timeout: 30))
            running.signal(SIGKILL)
            _ = try running.wait(timeout: 20)
            let left = (try? FileManager.default.contentsOfDirectory(atPath: dir.tmp)) ?? []
            #expect(left.count == 1 && left[0].hasPrefix("gourd-build."), "the killed build's workspace: \(left)")
            try dir.buildOK("img.sqfs", recipe: Self.busybox)
            #expect(!dir.entries.contains("slow.sqfs"))
            dir.expectClean()
        }

        /// From gourd's own test images: a squashfs file and a SIF file as bases.
        @Test(arguments: ["busybox-zstd.sqfs", "busybox.sif", "apptainer.sif"])
        func localImage(base: String) throws {
            let dir = BuildDir("local")
            let path = Gourd.env.image(base)
            try dir.buildOK("img.sqfs", recipe: "Bootstrap: localimage\nFrom: \(path)\n%post\n  echo added > /added\n")
            let probe = try dir.sh("img.sqfs", "cat /added; stat -c %a /opt/suid/busybox; wc -l < /data/text; readlink /escape-abs")
            #expect(probe.lines == ["added", "4755", "4000", "/etc"], "\(probe)")
            let inspection = try dir.inspect("img.sqfs")
            #expect(inspection.gourd?.bases == [.init(source: "localimage:\(path)", digest: "sha256:" + (try sha256sum(path)))])
            if base == "apptainer.sif" {
                // The Apptainer base keeps its runscript, labels and environment script.
                #expect(inspection.run == ["/.singularity.d/runscript"])
                #expect(inspection.gourd?.labels?["org.example.purpose"] == "gourd tests")
                let run = try Gourd.run(["run", dir.file("img.sqfs"), "x"])
                #expect(run.stdout == "apptainer runscript: x\n", "\(run)")
            }
        }
    }
}
