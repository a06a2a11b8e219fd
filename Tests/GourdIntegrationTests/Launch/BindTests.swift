import Foundation
import GourdCore
import Testing

extension Integration {
    @Suite struct Binds {
        @Test func bindIsReadWriteByDefault() throws {
            let dir = Scratch.shared.directory("bind-rw")
            let out = try Gourd.sh("echo written > /mnt/new && cat /mnt/new", options: ["--bind", "\(dir):/mnt"])
            #expect(out.lines == ["written"], "\(out)")
            #expect((try? String(contentsOfFile: dir + "/new", encoding: .utf8)) == "written\n")
        }

        @Test func readOnlyBindRefusesWrites() throws {
            let dir = Scratch.shared.directory("bind-ro")
            Scratch.shared.write("content\n", to: dir + "/f")
            let out = try Gourd.sh("cat /mnt/f; echo x > /mnt/f; echo rc=$?", options: ["-B", "\(dir):/mnt:ro"])
            #expect(out.lines == ["content", "rc=1"], "\(out)")
            #expect(out.stderr.contains("Read-only file system"), "\(out)")
            #expect((try? String(contentsOfFile: dir + "/f", encoding: .utf8)) == "content\n")
        }

        @Test func bindsAreNosuidNodev() throws {
            let dir = Scratch.shared.directory("bind-flags")
            let out = try Gourd.sh("grep ' /mnt ' /proc/self/mountinfo", options: ["-B", "\(dir):/mnt"])
            #expect(out.stdout.contains("nosuid") && out.stdout.contains("nodev"), "\(out)")
        }

        @Test func gourdBindVariableTakesACommaSeparatedList() throws {
            let a = Scratch.shared.directory("bind-a")
            let b = Scratch.shared.directory("bind-b")
            Scratch.shared.write("A\n", to: a + "/f")
            Scratch.shared.write("B\n", to: b + "/f")
            let out = try Gourd.sh("cat /mnt/f /opt/f", env: ["GOURD_BIND": "\(a):/mnt, \(b):/opt:ro"])
            #expect(out.lines == ["A", "B"], "\(out)")
        }

        /// A bind over the container's root, /proc or /dev is refused with the reason, before
        /// anything is mounted (it used to cover / silently).
        @Test(arguments: ["/", "/proc", "/proc/sys", "/dev"])
        func bindOverRootProcOrDevIsRefused(destination: String) throws {
            let dir = Scratch.shared.directory("bind-protected")
            let out = try Gourd.sh("echo ran", options: ["-B", "\(dir):\(destination)"])
            #expect(out.status == GourdExit.launchFailed, "\(out)")
            #expect(out.stderr.contains("destination '\(destination)' is not allowed"), "\(out)")
            #expect(!out.stdout.contains("ran"), "\(out)")
        }

        @Test func fileBindLandsOnAFile() throws {
            let dir = Scratch.shared.directory("bind-file")
            Scratch.shared.write("bound file\n", to: dir + "/hosts")
            let out = try Gourd.sh("cat /etc/hosts", options: ["-B", "\(dir)/hosts:/etc/hosts"])
            #expect(out.lines == ["bound file"], "\(out)")
        }

        /// /escape-abs -> /etc and /escape-rel -> ../../../../../../etc in the image: a bind
        /// through them must land on the container's /etc, never the host's.
        @Test(arguments: ["/escape-abs", "/escape-rel"])
        func symlinkInTheImageCannotEscapeTheRoot(link: String) throws {
            let dir = Scratch.shared.directory("escape")
            Scratch.shared.write("decoy\n", to: dir + "/passwd")
            let out = try Gourd.sh(
                "cat /etc/passwd; grep ' /etc/passwd ' /proc/self/mountinfo | wc -l",
                options: ["-B", "\(dir)/passwd:\(link)/passwd"])
            #expect(out.status == 0, "\(out)")
            #expect(out.lines.first == "decoy", "the bind landed inside the container root: \(out)")
            let hostPasswd = try String(contentsOfFile: "/etc/passwd", encoding: .utf8)
            #expect(hostPasswd.contains("root:"), "host /etc/passwd untouched")
        }

        @Test func symlinkInABoundHostDirectoryCannotEscapeEither() throws {
            // A host directory bound at /mnt holds a symlink to /etc: binding "through" it must
            // resolve inside the container root, so it reaches the container's /etc.
            let dir = Scratch.shared.directory("hostlink")
            symlink("/etc", dir + "/link")
            let src = Scratch.shared.directory("hostlink-src")
            Scratch.shared.write("through-link\n", to: src + "/group")
            let out = try Gourd.sh("cat /etc/group", options: ["-B", "\(dir):/mnt", "-B", "\(src)/group:/mnt/link/group"])
            #expect(out.lines == ["through-link"], "\(out)")
        }

        /// The read-only image lacks the destination: gourd's FUSE server adds it (a directory,
        /// or a file for a file bind, with missing parents), so the bind works anyway.
        @Test func missingDestinationIsAdded() throws {
            let dir = Scratch.shared.directory("dst-missing")
            Scratch.shared.write("deep\n", to: dir + "/f")
            let out = try Gourd.sh(
                "cat /does/not/exist/f /single.txt; ls -a /does/not; grep -c ' /does/not/exist ' /proc/self/mountinfo",
                options: ["--bind", "\(dir):/does/not/exist", "-B", "\(dir)/f:/single.txt:ro"])
            #expect(out.status == 0, "\(out)")
            #expect(out.lines == ["deep", "deep", "1"], "the added parent lists as empty: \(out)")
            expectNothingLeft()
        }

        @Test func destinationThatCannotBeAddedIsAClearError() throws {
            let dir = Scratch.shared.directory("dst-impossible")
            let underBind = try Gourd.sh("true", options: ["--bind", "\(dir):/tmp/gourd-no-such-dir-\(UUID().uuidString)"])
            #expect(underBind.status == GourdExit.launchFailed, "\(underBind)")
            #expect(underBind.stderr.contains("cannot be created: it lies in another mount"), "\(underBind)")
            let underFile = try Gourd.sh("true", options: ["--bind", "\(dir):/bin/busybox/x"])
            #expect(underFile.status == GourdExit.launchFailed && underFile.stderr.contains("cannot be created"), "\(underFile)")
            expectNothingLeft()
        }

        @Test func missingSourceIsAClearError() throws {
            let out = try Gourd.sh("true", options: ["--bind", "/no/such/source:/mnt"])
            #expect(out.status == GourdExit.launchFailed)
            #expect(out.stderr.contains("source '/no/such/source' does not exist on the host"), "\(out)")
        }

        @Test(arguments: ["a:b:c:d", "/tmp:relative", "/tmp:/mnt:rx", ":/mnt"])
        func badBindSyntaxIsAClearError(spec: String) throws {
            let out = try Gourd.sh("true", options: ["--bind", spec])
            #expect(out.status == GourdExit.launchFailed, "\(out)")
            #expect(out.stderr.hasPrefix("gourd: --bind '\(spec)':"), "\(out)")
        }
    }
}
