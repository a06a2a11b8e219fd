import Foundation
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
            let a = Scratch.shared.directory("bind-a"), b = Scratch.shared.directory("bind-b")
            Scratch.shared.write("A\n", to: a + "/f")
            Scratch.shared.write("B\n", to: b + "/f")
            let out = try Gourd.sh("cat /mnt/f /opt/f", env: ["GOURD_BIND": "\(a):/mnt, \(b):/opt:ro"])
            #expect(out.lines == ["A", "B"], "\(out)")
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
            let out = try Gourd.sh("cat /etc/passwd; grep ' /etc/passwd ' /proc/self/mountinfo | wc -l",
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

        @Test func missingDestinationIsAClearError() throws {
            let dir = Scratch.shared.directory("dst-missing")
            let out = try Gourd.sh("true", options: ["--bind", "\(dir):/does/not/exist"])
            #expect(out.status == 125)
            #expect(out.stderr.contains("'/does/not/exist' does not exist in the image"), "\(out)")
            expectNothingLeft()
        }

        @Test func missingSourceIsAClearError() throws {
            let out = try Gourd.sh("true", options: ["--bind", "/no/such/source:/mnt"])
            #expect(out.status == 125)
            #expect(out.stderr.contains("source '/no/such/source' does not exist on the host"), "\(out)")
        }

        @Test(arguments: ["a:b:c:d", "/tmp:relative", "/tmp:/mnt:rx", ":/mnt"])
        func badBindSyntaxIsAClearError(spec: String) throws {
            let out = try Gourd.sh("true", options: ["--bind", spec])
            #expect(out.status == 125, "\(out)")
            #expect(out.stderr.hasPrefix("gourd: --bind '\(spec)':"), "\(out)")
        }
    }
}
