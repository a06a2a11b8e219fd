import Foundation
import GourdCore
import Testing

/// A directory outside /tmp and the home directory (so only gourd's current-directory bind can
/// show it inside), owned by the test user; removed by `remove()`.
struct OutsideDirectory {
    let path: String

    init(_ name: String) {
        path = "/var/tmp/gourd-it-\(name)-\(UUID().uuidString.prefix(8))"
        mkdir(path, 0o755)
        Scratch.shared.chownToUser(path)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// gourd installed under Apptainer's names: a symlink `apptainer` (and `singularity`) to the
/// binary under test, in a directory the test user can read.
enum ApptainerName {
    static let directory: String = {
        let dir = Scratch.shared.directory("apptainer-bin")
        for name in ["apptainer", "singularity"] {
            try? FileManager.default.createSymbolicLink(atPath: dir + "/" + name, withDestinationPath: Gourd.env.gourd)
        }
        return dir
    }()

    static func run(_ args: [String], as name: String = "apptainer", env: [String: String] = [:], cwd: String? = nil) throws -> Outcome {
        try Gourd.start([directory + "/" + name] + args, env: env, cwd: cwd, raw: true).wait()
    }
}

extension Integration {
    /// Issue 15: what a user arriving from Apptainer (or a site module written for it) does.
    @Suite struct ApptainerCompat {
        static let compat = Gourd.env.image("compat.sqfs")

        @Test func apptainerFamiliesAreTransposedAndBindListsApply() throws {
            let dir = Scratch.shared.directory("apptainer-bind")
            Scratch.shared.write("bound\n", to: dir + "/f")
            let out = try Gourd.sh(
                #"echo "$FOO $BAR"; echo "$PATH"; cat /mnt/f; env | grep -c -E '^(APPTAINER|SINGULARITY)(ENV)?_(FOO|BAR|BIND|PREPEND)' || true; echo "$APPTAINER_NAME $SINGULARITY_CONTAINER""#,
                env: [
                    "APPTAINERENV_FOO": "foo", "SINGULARITYENV_BAR": "bar", "APPTAINERENV_PREPEND_PATH": "/pre",
                    "SINGULARITYENV_APPEND_PATH": "/post", "APPTAINER_BIND": "\(dir):/mnt:ro",
                ])
            #expect(out.status == 0, "\(out)")
            #expect(
                out.lines == [
                    "foo bar", "/pre:" + EnvironmentRules.defaultPath + ":/post", "bound", "0",
                    "busybox-zstd.sqfs " + Gourd.env.image("busybox-zstd.sqfs"),
                ], "\(out)")
            expectNothingLeft()
        }

        @Test func gourdsNamesWinUnderGourdAndApptainersUnderApptainer() throws {
            let env = ["GOURDENV_WHO": "gourd", "APPTAINERENV_WHO": "apptainer", "SINGULARITYENV_WHO": "singularity"]
            let image = Gourd.env.image("busybox-zstd.sqfs")
            #expect(try Gourd.run(["exec", image, "sh", "-c", "echo $WHO"], env: env).lines == ["gourd"])
            #expect(try ApptainerName.run(["exec", image, "sh", "-c", "echo $WHO"], env: env).lines == ["apptainer"])
            #expect(try ApptainerName.run(["exec", image, "sh", "-c", "echo $WHO"], as: "singularity", env: env).lines == ["apptainer"])
            #expect(try ApptainerName.run(["exec", image, "sh", "-c", "echo $WHO"], env: ["SINGULARITYENV_WHO": "s"]).lines == ["s"])
        }

        @Test func versionAnswersAsApptainerUnderItsName() throws {
            #expect(try ApptainerName.run(["--version"]).lines == ["apptainer version \(CommandPersonality.apptainerVersion)"])
            #expect(try ApptainerName.run(["--version"], as: "singularity").lines.first?.hasPrefix("apptainer version 1.") == true)
            #expect(try ApptainerName.run(["version", "--gourd"]).lines.first?.hasPrefix("gourd version ") == true)
            #expect(try Gourd.run(["--version"]).lines.first?.hasPrefix("apptainer") == false)
        }

        @Test func globalQuietAndDebugOptionsAreAccepted() throws {
            let out = try ApptainerName.run(["--quiet", "--silent", "exec", Gourd.env.image("busybox-zstd.sqfs"), "echo", "ok"])
            #expect(out.lines == ["ok"] && out.status == 0, "\(out)")
            let debug = try Gourd.run(["-d", "exec", "--no-home", Gourd.env.image("busybox-zstd.sqfs"), "true"])
            #expect(debug.status == 0 && debug.stderr.contains("gourd: note:"), "\(debug)")
        }

        @Test func flagEnvironmentForms() throws {
            let clean = try Gourd.sh("echo ${HOST_ONLY:-unset}", env: ["HOST_ONLY": "x", "APPTAINER_CLEANENV": "1"])
            #expect(clean.lines == ["unset"], "\(clean)")
            let contained = try Gourd.sh("grep ' /tmp ' /proc/self/mountinfo | grep -c tmpfs", env: ["SINGULARITY_CONTAIN": "true"])
            #expect(contained.lines == ["1"], "\(contained)")
            let refused = try Gourd.sh("echo ran", env: ["APPTAINER_FAKEROOT": "1"])
            #expect(refused.status == GourdExit.launchFailed && !refused.stdout.contains("ran"), "\(refused)")
            #expect(refused.stderr.contains("APPTAINER_FAKEROOT is not supported by gourd"), "\(refused)")
            let bad = try Gourd.sh("true", env: ["APPTAINER_NV": "maybe"])
            #expect(bad.status == GourdExit.launchFailed && bad.stderr.contains("APPTAINER_NV='maybe'"), "\(bad)")
            expectNothingLeft()
        }

        /// `cd /scratch/job && gourd exec img ./run.sh` starts there, as in Apptainer.
        @Test func currentDirectoryIsBoundAndTheWorkloadStartsThere() throws {
            let job = OutsideDirectory("cwd")
            defer { job.remove() }
            Scratch.shared.write("#!/bin/sh\necho \"ran in $(pwd)\"\n", to: job.path + "/run.sh")
            chmod(job.path + "/run.sh", 0o755)
            let out = try Gourd.run(["exec", Gourd.env.image("busybox-zstd.sqfs"), "./run.sh"], cwd: job.path)
            #expect(out.lines == ["ran in \(job.path)"], "\(out)")
            let skipped = try Gourd.run(["exec", "--no-mount", "cwd", Gourd.env.image("busybox-zstd.sqfs"), "pwd"], cwd: job.path)
            #expect(skipped.lines == [Gourd.env.user.home], "\(skipped)")
            expectNothingLeft()
        }

        @Test func hostVarTmpIsShared() throws {
            let dir = OutsideDirectory("vartmp")
            defer { dir.remove() }
            Scratch.shared.write("shared\n", to: dir.path + "/f")
            let out = try Gourd.run(["exec", "--no-mount", "cwd", Self.compat, "cat", dir.path + "/f"])
            #expect(out.lines == ["shared"], "\(out)")
        }

        @Test func envAndBindTakeApptainersCommaLists() throws {
            let a = Scratch.shared.directory("list-a")
            let b = Scratch.shared.directory("list-b")
            Scratch.shared.write("A\n", to: a + "/f")
            Scratch.shared.write("B\n", to: b + "/f")
            let out = try Gourd.sh(
                "echo $X $Y \"$Z\"; cat /mnt/a/f /mnt/b/f; echo x > /mnt/a/g || echo read-only",
                options: ["--env", #"X=1,Y=2,Z="3,4""#, "-B", "\(a):/mnt/a:ro,\(b):/mnt/b"])
            #expect(out.lines == ["1 2 3,4", "A", "B", "read-only"], "\(out)")
            let imageSource = try Gourd.sh("true", options: ["-B", "\(a)/f:/mnt:image-src=/sub"])
            #expect(imageSource.status == GourdExit.launchFailed, "\(imageSource)")
            #expect(imageSource.stderr.contains("binds from inside an image file, which gourd does not support"), "\(imageSource)")
            expectNothingLeft()
        }

        /// /bin/sh of this image is busybox ash: the bash syntax of its env scripts works only
        /// because gourd sources them with the image's bash.
        @Test func environmentScriptsRunUnderTheImagesBash() throws {
            let out = try Gourd.run(
                ["exec", Self.compat, "sh", "-c", "echo $BASHISMS_OK $ARRAY_SECOND $SOURCED_HELPER $OVERRIDE_ME"],
                env: ["GOURDENV_OVERRIDE_ME": "user"])
            #expect(out.lines == ["yes two yes user"], "\(out)")
            #expect(!out.stderr.contains("not found"), "\(out)")
        }

        @Test func containAllGivesPrivateTmpHomeAndACleanEnvironment() throws {
            let marker = "gourd-it-contained-\(UUID().uuidString.prefix(8))"
            let out = try Gourd.run(
                [
                    "exec", "-C", Self.compat, "sh", "-c",
                    "touch /tmp/\(marker) /var/tmp/\(marker) $HOME/\(marker) && ls $HOME; echo ${HOST_ONLY:-unset}",
                ],
                env: ["HOST_ONLY": "x"])
            #expect(out.lines == [marker, "unset"], "\(out)")
            for dir in ["/tmp", "/var/tmp", Gourd.env.user.home] {
                #expect(!FileManager.default.fileExists(atPath: dir + "/" + marker), "\(dir) got the file")
            }
            expectNothingLeft()
        }

        @Test func homeScratchWorkdirEnvFileAndNoMount() throws {
            let home = OutsideDirectory("home")
            let work = OutsideDirectory("work")
            defer {
                home.remove()
                work.remove()
            }
            Scratch.shared.write("FROM_FILE=\"file value\"\nexport SECOND=2\n", to: home.path + "/vars.env")
            let out = try Gourd.run([
                "exec", "--home", "\(home.path):/home/me", "-c", "--workdir", work.path, "-S", "/job",
                "--env-file", home.path + "/vars.env", "--no-mount", "/etc/hosts", Self.compat, "sh", "-c",
                "echo $HOME; ls /home/me; echo \"$FROM_FILE\" $SECOND; touch /job/out /tmp/t; grep -c ' /etc/hosts ' /proc/self/mountinfo",
            ])
            #expect(out.lines == ["/home/me", "vars.env", "file value 2", "0"], "\(out)")
            #expect(FileManager.default.fileExists(atPath: work.path + "/scratch/job/out"), "\(out)")
            #expect(FileManager.default.fileExists(atPath: work.path + "/tmp/t"), "\(out)")
            expectNothingLeft()
        }

        @Test(arguments: [
            ["--fakeroot"], ["--writable"], ["--dns", "1.1.1.1"], ["--memory=4G"], ["--add-caps", "x"], ["--security", "s"],
        ])
        func optionsGourdCannotHonourAreRefusedByName(option: [String]) throws {
            let out = try Gourd.run(["exec"] + option + [Gourd.env.image("busybox-zstd.sqfs"), "echo", "ran"])
            #expect(out.status == GourdExit.launchFailed && !out.stdout.contains("ran"), "\(out)")
            #expect(out.stderr.contains("gourd: \(option[0].split(separator: "=")[0]) is not supported by gourd: "), "\(out)")
        }

        @Test func acceptedNoOpsAndSpellings() throws {
            let out = try Gourd.run([
                "exec", "--pid", "-u", "--no-privs", "--no-init", "-e", "--cwd", "/opt",
                Gourd.env.image("busybox-zstd.sqfs"), "pwd",
            ])
            #expect(out.lines == ["/opt"], "\(out)")
        }

        @Test func runHelpTestAndInspectSelectors() throws {
            let full = Gourd.env.image("apptainer-full.sqfs")
            #expect(try Gourd.run(["run-help", full]).lines == ["Prints its arguments."])
            #expect(
                try Gourd.run(["run-help", Gourd.env.image("busybox-zstd.sqfs")]).lines == ["No help sections were defined for this image"])
            let labels = try Gourd.run(["inspect", "--labels", full])
            #expect(labels.lines == ["org.example.purpose: gourd tests", "org.label-schema.schema-version: 1.0"], "\(labels)")
            #expect(try Gourd.run(["inspect", "--runscript", full]).lines == ["#!/bin/sh", #"echo "apptainer runscript: $*""#])
            #expect(try Gourd.run(["inspect", "--deffile", full]).stdout.hasPrefix("Bootstrap: docker\n"))
            let environment = try ApptainerName.run(["inspect", "-e", Self.compat])
            #expect(environment.stdout.contains("=== /.singularity.d/env/50-bashisms.sh ===\nsource /opt/env/helper.sh"), "\(environment)")
            let tested = try Gourd.run(["test", Self.compat])
            #expect(tested.status == 3 && tested.lines.first?.hasPrefix("image test ran in ") == true, "\(tested)")
            let none = try Gourd.run(["test", Gourd.env.image("busybox-zstd.sqfs")])
            #expect(none.status == 0 && none.stderr.contains("no test script in the image"), "\(none)")
            expectNothingLeft()
        }

        /// --network none: only lo, and up; --hostname: the name inside only; --ipc: its own
        /// IPC namespace. The host's stay as they were.
        @Test func networkHostnameAndIPCNamespaces() throws {
            let host = ["ipc", "net", "uts"].map {
                (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/\($0)")) ?? ""
            }
            let hostName = ProcessInfo.processInfo.hostName
            let out = try Gourd.run([
                "exec", "--net", "--network", "none", "--hostname", "gourd-node", "--ipc", Self.compat, "sh", "-c",
                "hostname; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; ip link show lo | grep -c UP; "
                    + "for n in ipc net uts; do readlink /proc/self/ns/$n; done",
            ])
            #expect(out.status == 0, "\(out)")
            #expect(Array(out.lines.prefix(3)) == ["gourd-node", "lo", "1"], "\(out)")
            let inside = Array(out.lines.dropFirst(3))
            #expect(inside.count == 3 && zip(inside, host).allSatisfy { $0 != $1 }, "\(out) host \(host)")
            #expect(ProcessInfo.processInfo.hostName == hostName)
            let plain = try Gourd.sh("readlink /proc/self/ns/net; hostname")
            #expect(plain.lines == [host[1], hostName], "\(plain)")
            expectNothingLeft()
        }

        /// --writable-tmpfs: writes land in a 64 MiB tmpfs over the image and vanish at exit.
        /// Only where the caller's uid may write, as in Apptainer without --fakeroot: the
        /// overlay's root and what the workload creates there. An image directory owned by root
        /// (even /tmp, mode 1777) cannot be copied up by an unprivileged overlay: EACCES.
        @Test func writableTmpfsOverlay() throws {
            let options = ["--no-mount", "tmp,cwd"]
            let readOnly = try Gourd.run(["exec"] + options + [Self.compat, "sh", "-c", "mkdir /work"])
            #expect(readOnly.status != 0 && readOnly.stderr.contains("Read-only file system"), "\(readOnly)")
            let out = try Gourd.run(
                ["exec", "--writable-tmpfs"] + options + [
                    Self.compat, "sh", "-c",
                    "mkdir /work && echo written > /work/f && cat /work/f; "
                        + "dd if=/dev/zero of=/work/big bs=1M count=100 2>&1 | grep -c 'No space left'; "
                        + "grep -c ' / / .* overlay ' /proc/self/mountinfo; touch /opt/x 2>&1 | grep -c 'Permission denied'",
                ])
            #expect(out.lines == ["written", "1", "1", "1"], "\(out)")
            let again = try Gourd.run(["exec"] + options + [Self.compat, "ls", "/work"])
            #expect(again.status != 0 && again.lines.isEmpty, "\(again)")
            let compat = try Gourd.run(
                ["exec", "--compat", Self.compat, "sh", "-c", "touch /var/tmp/f /new && echo ${HOST_ONLY:-unset}"],
                env: ["HOST_ONLY": "x"])
            #expect(compat.lines == ["unset"], "\(compat)")
            expectNothingLeft()
        }
    }
}
