import Foundation
import GourdCore
import Testing

extension Integration {
    @Suite struct Mounts {
        @Test func imageRootIsReadOnlyNosuidNodev() throws {
            let out = try Gourd.sh("touch /newfile; echo rc=$?; grep ' / / ' /proc/self/mountinfo")
            #expect(out.stdout.contains("rc=1"), "\(out)")
            #expect(out.stderr.contains("Read-only file system"), "\(out)")
            let root = out.lines.last ?? ""
            #expect(root.contains("ro,nosuid,nodev"), "\(out)")
            #expect(root.contains("fuse.gourd"), "\(out)")
        }

        @Test func fuseMountIsNeverVisibleOnTheHost() throws {
            let running = try Gourd.start(["exec", Gourd.env.image("busybox-zstd.sqfs"), "sh", "-c", "echo ready; sleep 30"])
            defer {
                running.signal(SIGKILL)
                _ = try? running.wait()
            }
            #expect(running.waitForOutput("ready"))
            let host = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
            #expect(!host.contains("fuse.gourd"), "the host namespace shows the image mount")
            #expect(!host.contains(Gourd.env.image("busybox-zstd.sqfs")))
        }

        @Test func defaultHostPathsArePresent() throws {
            let dir = Scratch.shared.directory("tmpcheck")
            Scratch.shared.write("from-host-tmp\n", to: dir + "/f")
            let out = try Gourd.sh(
                "cat \(dir)/f; ls /dev/null /proc/self/status /sys/kernel >/dev/null && echo devprocsys; touch /sys/x 2>/dev/null || echo sys-ro"
            )
            #expect(out.lines == ["from-host-tmp", "devprocsys", "sys-ro"], "\(out)")
        }

        @Test func procShowsOnlyTheContainersProcesses() throws {
            let out = try Gourd.sh("ls /proc | grep -E '^[0-9]+$' | wc -l; cat /proc/1/cmdline | tr '\\0' ' '")
            #expect(out.status == 0, "\(out)")
            let count = Int(out.lines.first?.trimmingCharacters(in: .whitespaces) ?? "") ?? 0
            #expect((2...5).contains(count), "container procfs lists \(count) processes: \(out)")
        }

        @Test func hostNetworkFilesAreBound() throws {
            let out = try Gourd.sh("cat /etc/hosts")
            let host = try String(contentsOfFile: "/etc/hosts", encoding: .utf8)
            #expect(out.stdout == host, "\(out)")
        }

        @Test func workdirIsTheCallersWhenInsideElseHome() throws {
            let dir = Scratch.shared.directory("cwd")
            #expect(try Gourd.sh("pwd", cwd: dir).lines == [dir])
            #expect(try Gourd.sh("pwd", cwd: TestEnvironment.shared.user.home).lines == [TestEnvironment.shared.user.home])
            // /usr/bin exists in the image: start there. /var/lib does not: it is bound at its path,
            // as Apptainer binds the current directory; without that bind, start in home.
            #expect(try Gourd.sh("pwd", cwd: "/usr/bin").lines == ["/usr/bin"])
            #expect(try Gourd.sh("pwd", cwd: "/var/lib").lines == ["/var/lib"])
            #expect(try Gourd.sh("pwd", options: ["--no-mount", "cwd"], cwd: "/var/lib").lines == [TestEnvironment.shared.user.home])
        }

        @Test(arguments: ["busybox-zstd.sqfs", "busybox-gzip.sqfs", "busybox-none.sqfs"])
        func everyCompressionRuns(image: String) throws {
            let out = try Gourd.run(["exec", Gourd.env.image(image), "cat", "/data/text"])
            #expect(out.status == 0, "\(out)")
            #expect(out.lines.count == 4000)
            #expect(out.lines.last == "line 3999 of compressible data for the corrupt-image test")
        }
    }
}

extension Integration {
    @Suite struct LaunchOptions {
        @Test func pwdSetsTheWorkingDirectory() throws {
            #expect(try Gourd.sh("pwd", options: ["--pwd", "/usr/bin"]).lines == ["/usr/bin"])
            let out = try Gourd.sh("pwd", options: ["--pwd", "/no/such/dir"])
            #expect(out.status == GourdExit.launchFailed)
            #expect(out.stderr == "gourd: --pwd '/no/such/dir': not an absolute path to a directory inside the container\n", "\(out)")
        }

        @Test func noHomeLeavesTheHomeUnbound() throws {
            let home = TestEnvironment.shared.user.home
            // --no-mount cwd too: Apptainer's --no-home still binds home when it is the current directory.
            let out = try Gourd.sh(
                "echo $HOME; pwd; ls \(home) 2>&1 || echo no-home", options: ["--no-home", "--no-mount", "cwd"], cwd: home)
            #expect(out.lines.first == home, "\(out)")
            #expect(out.lines.dropFirst().first == "/", "\(out)")
            #expect(out.lines.last == "no-home", "\(out)")
            let fromHome = try Gourd.sh("pwd", options: ["--no-home"], cwd: home)
            #expect(fromHome.lines == [home], "\(fromHome)")
        }
    }
}
