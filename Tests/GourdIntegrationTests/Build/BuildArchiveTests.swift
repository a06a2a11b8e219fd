import Foundation
import GourdCore
import Testing

/// The archives of Tests/Support/build-test-archives.py, made once per test run in a
/// directory the test user can read; TARGET is a host directory the test user could write,
/// that hostile archives aim at.
enum TestArchives {
    static let shared = make()

    struct Paths {
        var directory: String
        var target: String
        func archive(_ name: String) -> String { directory + "/" + name }
    }

    static func make() -> Paths {
        let dir = Scratch.shared.directory("archives")
        let target = Scratch.shared.directory("escape-target")
        chmod(target, 0o777)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Gourd.env.packageRoot + "/Tests/Support/build-test-archives.py", dir, "/bin/busybox", target]
        try? process.run()
        process.waitUntilExit()
        let chown = Process()
        chown.executableURL = URL(fileURLWithPath: "/bin/chmod")
        chown.arguments = ["-R", "a+rX", dir]
        try? chown.run()
        chown.waitUntilExit()
        return Paths(directory: dir, target: target)
    }
}

/// The paths in a squashfs image (unsquashfs -l), without the leading "squashfs-root/".
func imageListing(_ image: String) throws -> [String] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/unsquashfs")
    process.arguments = ["-l", "-d", "", image]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(separator: "\n").map { String($0.drop(while: { $0 == "/" })) }
}

/// Docker and OCI archives as bases: layers in order, whiteouts and opaque directories, the
/// config's run settings; and archives that try to write outside the root.
extension Integration {
    @Suite struct BuildArchives {
        static let layouts = [
            ("docker-archive", "docker.tar"),
            ("docker-archive", "docker.tar:gourd/test:latest"),
            ("docker-archive", "docker.tar.gz"),
            ("oci-archive", "oci.tar"),
            ("oci-archive", "oci.tar:v1"),
            ("oci", "oci:v1"),
        ]

        @Test(arguments: layouts)
        func layersWhiteoutsAndConfig(agent: String, from: String) throws {
            let archives = TestArchives.shared
            let dir = BuildDir("archive")
            let recipe = "Bootstrap: \(agent)\nFrom: \(archives.archive(from))\n%post\n  echo \"$FROM_CONFIG\" > /post-saw-env\n"
            let out = try dir.buildOK("img.sqfs", recipe: recipe)
            #expect(out.stderr.contains("(2 layers, sha256:"), "\(out)")
            let probe = try dir.sh(
                "img.sqfs",
                """
                cat /keep.txt /post-saw-env; ls /opaque; cat /replaced/inside /samelayer
                for f in /gone.txt /gone-dir /opaque/old1 /opaque/olddir; do test -e $f && echo "$f still there"; done
                stat -c '%a %h' /bin/suid /data/orig; test -p /run/fifo && echo fifo; cat /data/link
                """)
            #expect(
                probe.lines == ["layer2", "yes", "new", "now a directory", "kept", "4755 1", "644 2", "fifo", "linked"],
                "\(probe)")
            // gourd run behaves like docker run: entrypoint + cmd, arguments replace cmd.
            #expect(try Gourd.run(["run", dir.file("img.sqfs")]).stdout == "entry default cmd\n")
            #expect(try Gourd.run(["run", dir.file("img.sqfs"), "x", "y"]).stdout == "entry x y\n")
            #expect(try dir.sh("img.sqfs", "echo $FROM_CONFIG").stdout == "yes\n")
            let inspection = try dir.inspect("img.sqfs")
            #expect(
                inspection.gourd?.environment == ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "FROM_CONFIG=yes"])
            #expect(inspection.gourd?.entrypoint == ["/bin/echo", "entry"])
            #expect(inspection.gourd?.cmd == ["default", "cmd"])
            #expect(inspection.gourd?.labels == ["test.label": "from-config"])
            let base = try #require(inspection.gourd?.bases?.first)
            #expect(base.source == "\(agent):\(archives.archive(from))")
            #expect(base.digest.hasPrefix("sha256:") && base.digest.count == 71)
            // WorkingDir is recorded, and `gourd run` starts there (as docker run does); exec does not.
            let json = try Gourd.run(["exec", dir.file("img.sqfs"), "cat", "/.gourd/image.json"]).stdout
            #expect(json.contains("\"workingDir\" : \"/data\""), "\(json)")
            let plan = try Gourd.run(["plan", dir.file("img.sqfs")]).stdout
            #expect(plan.contains("workdir    /data"), "\(plan)")
        }

        /// The same archive and recipe give the same bytes, and docker and OCI forms of one
        /// image give the same image digest chain only where the formats agree.
        @Test func archiveBuildsAreReproducible() throws {
            let archives = TestArchives.shared
            let dir = BuildDir("archive-repro")
            dir.write("r.def", "Bootstrap: docker-archive\nFrom: \(archives.archive("docker.tar"))\n%post\n  echo x > /x\n")
            for name in ["a.sqfs", "b.sqfs"] {
                let out = try dir.build([name, "r.def"])
                #expect(out.status == 0, "\(out)")
            }
            #expect(dir.bytes("a.sqfs") == dir.bytes("b.sqfs"))
            dir.expectClean()
        }

        /// A gourd image as the base of another: its run settings, labels and provenance carry over.
        @Test func builtImageAsBase() throws {
            let archives = TestArchives.shared
            let dir = BuildDir("chain")
            try dir.buildOK(
                "first.sqfs", recipe: "Bootstrap: docker-archive\nFrom: \(archives.archive("docker.tar"))\n%labels\n  stage one\n")
            try dir.buildOK("second.sqfs", recipe: "Bootstrap: localimage\nFrom: first.sqfs\n%labels\n  stage two\n", name: "second.def")
            let inspection = try dir.inspect("second.sqfs")
            #expect(inspection.gourd?.entrypoint == ["/bin/echo", "entry"])
            #expect(inspection.gourd?.environment?.contains("FROM_CONFIG=yes") == true)
            #expect(inspection.gourd?.labels == ["test.label": "from-config", "stage": "two"])
            #expect(
                inspection.gourd?.bases?.map(\.source) == ["docker-archive:\(archives.archive("docker.tar"))", "localimage:first.sqfs"])
            #expect(inspection.gourd?.bases?.last?.digest == "sha256:" + (try sha256sum(dir.file("first.sqfs"))))
            #expect(try Gourd.run(["run", dir.file("second.sqfs"), "z"]).stdout == "entry z\n")
        }

        @Test(arguments: [
            ("oci.tar:v2", "has no image named 'v2' (it has: v1)"),
            ("docker.tar:nope:1", "has no image tagged 'nope:1'"),
            ("not-an-archive.tar", "corrupt tar header at offset 0"),
            ("truncated.tar", "truncated"),
        ])
        func badArchives(from: String, message: String) throws {
            let archives = TestArchives.shared
            let dir = BuildDir("bad-archive")
            dir.write("not-an-archive.tar", String(repeating: "this is not a tar file\n", count: 100))
            let docker = try Data(contentsOf: URL(fileURLWithPath: archives.archive("docker.tar")))
            _ = FileManager.default.createFile(atPath: dir.file("truncated.tar"), contents: docker.prefix(docker.count / 2))
            Scratch.shared.chownToUser(dir.file("truncated.tar"))
            let local = from.hasPrefix("not-") || from.hasPrefix("truncated")
            let agent = from.hasPrefix("oci") ? "oci-archive" : "docker-archive"
            dir.write("r.def", "Bootstrap: \(agent)\nFrom: \(local ? from : archives.archive(from))\n")
            let out = try dir.build(["img.sqfs", "r.def"])
            #expect(out.status == GourdExit.launchFailed, "\(out)")
            #expect(out.stderr.hasPrefix("gourd: r.def:1: Bootstrap: \(agent): ") && out.stderr.contains(message), "\(out)")
            #expect(!dir.entries.contains("img.sqfs"))
            dir.expectClean()
        }

        /// Hostile layers never write outside the root: the build refuses them, or what they
        /// name lands inside the image. TARGET (writable by the builder) stays empty.
        @Test(arguments: [
            ("dotdot", "has a '..' component: it would leave the root", [String]()),
            ("absolute", "", ["absolute"]),
            ("symlink", "", ["through-symlink", "through-relative", "through-root"]),
            ("dangling", "create directory /escape (in the image): No such file or directory", []),
            ("hardlink", "hard link /hl: member '../../../../../../etc/passwd' has a '..' component", []),
            ("device", "", []),
            ("huge", "truncated archive", []),
            ("manifest", "../../../../../../etc/passwd is missing from the archive", []),
        ])
        func hostileArchive(name: String, failure: String, inside: [String]) throws {
            let archives = TestArchives.shared
            let dir = BuildDir("evil-\(name)")
            dir.write("r.def", "Bootstrap: docker-archive\nFrom: \(archives.archive("evil-\(name).tar"))\n")
            let out = try dir.build(["img.sqfs", "r.def"])
            if failure.isEmpty {
                #expect(out.status == 0, "\(out)")
                // What the image holds (a launch would show the host's /tmp and gourd's /dev there).
                let listing = try imageListing(dir.file("img.sqfs"))
                for file in inside { #expect(listing.contains(String(archives.target.dropFirst()) + "/" + file), "\(listing)") }
                if name == "device" {
                    #expect(out.stderr.contains("skipped 2 device node(s)"), "\(out)")
                    #expect(listing.contains("ok.txt") && !listing.contains { $0.contains("evil") }, "\(listing)")
                }
            } else {
                #expect(out.status == GourdExit.launchFailed, "\(out)")
                #expect(out.stderr.contains(failure), "\(out)")
                #expect(!dir.entries.contains("img.sqfs"))
            }
            let escaped = (try? FileManager.default.contentsOfDirectory(atPath: archives.target)) ?? []
            #expect(escaped.isEmpty, "written outside the root: \(escaped)")
            dir.expectClean()
        }
    }
}
