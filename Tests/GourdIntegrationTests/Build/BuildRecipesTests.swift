import Foundation
import GourdCore
import Testing

/// Where the Debian base for the apt-get builds is: made once by the root set-up
/// (Tests/Support/setup-host.sh, debootstrap --variant=minbase), cached outside the repository.
enum DebianBase {
    static var path: String {
        ProcessInfo.processInfo.environment["GOURD_TEST_DEBIAN_BASE"] ?? "/var/cache/gourd-test/debian-12-minbase.sqfs"
    }
    static var available: Bool { FileManager.default.isReadableFile(atPath: path) }
    static var mirror: String { ProcessInfo.processInfo.environment["GOURD_TEST_DEBIAN_MIRROR"] ?? "http://deb.debian.org/debian" }

    /// debootstrap on the host and the mirror answering (a HEAD request for the suite's Release).
    static let debootstrapUsable: Bool = {
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/debootstrap") else { return false }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/wget")
        process.arguments = ["-q", "--spider", "-T", "10", "-t", "1", mirror + "/dists/bookworm/Release"]
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    static func recipe(_ name: String) throws -> String {
        try String(contentsOfFile: Gourd.env.packageRoot + "/Recipes/" + name, encoding: .utf8)
    }
}

/// The recipes shipped in Recipes/ build and run, as a user would use them.
extension Integration {
    @Suite struct BuildRecipes {
        @Test func busybox() throws {
            let dir = BuildDir("recipe-busybox")
            try dir.buildOK("busybox.sqfs", recipe: try DebianBase.recipe("busybox.def"), name: "busybox.def")
            let run = try Gourd.run(["run", dir.file("busybox.sqfs")])
            #expect(run.status == 0 && run.stdout.hasPrefix("busybox v") && run.stdout.contains(" in Linux "), "\(run)")
            #expect(try dir.inspect("busybox.sqfs").gourd?.labels?["org.opencontainers.image.title"] == "busybox")
        }

        /// make-busybox-archive.sh makes the same archive every time; the recipe builds from it.
        @Test func dockerArchive() throws {
            let dir = BuildDir("recipe-docker")
            for name in ["busybox.tar", "again.tar"] {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/bin/sh")
                process.arguments = [Gourd.env.packageRoot + "/Recipes/make-busybox-archive.sh", dir.file(name)]
                process.standardOutput = FileHandle.nullDevice
                try process.run()
                process.waitUntilExit()
                #expect(process.terminationStatus == 0)
                Scratch.shared.chownToUser(dir.file(name))
            }
            #expect(dir.bytes("busybox.tar") == dir.bytes("again.tar"))
            try dir.buildOK("busybox-docker.sqfs", recipe: try DebianBase.recipe("busybox-docker.def"), name: "busybox-docker.def")
            let run = try Gourd.run(["run", dir.file("busybox-docker.sqfs")])
            #expect(run.stdout == "hello from the archive Cmd: Linux\n", "\(run)")
            #expect(try dir.sh("busybox-docker.sqfs", "cat /etc/motd").stdout == "built by gourd from a docker-archive\n")
        }

        /// apt-get install in %post, unprivileged (python.def from the cached Debian base).
        @Test(
            .enabled(
                if: DebianBase.available, "no Debian base at \(DebianBase.path): the root set-up (make setup) makes it with debootstrap"),
            .timeLimit(.minutes(5)))
        func python() throws {
            let dir = BuildDir("recipe-python")
            symlink(DebianBase.path, dir.file("debian-12.sqfs"))
            let start = Date()
            let out = try dir.build(
                ["python.sqfs", "python.def"], timeout: 280,
                recipe: try DebianBase.recipe("python.def"))
            #expect(out.status == 0, "\(out)")
            print("python.def built in \(Int(Date().timeIntervalSince(start))) s")
            dir.expectClean()
            let run = try Gourd.run(["run", dir.file("python.sqfs"), "-c", "import os; print(6 * 7, os.environ['LC_ALL'])"])
            #expect(run.stdout == "42 C.UTF-8\n", "\(run)")
            let inspection = try dir.inspect("python.sqfs")
            #expect(
                inspection.gourd?.bases == [
                    .init(
                        source: "localimage:debian-12.sqfs",
                        digest: "sha256:" + (try sha256sum(DebianBase.path)))
                ])
            // Package lists were removed by the recipe; dpkg's own records say python3 is installed.
            let dpkg = try dir.sh("python.sqfs", "dpkg-query -W -f '${Status}\\n' python3; ls /var/lib/apt/lists | wc -l")
            #expect(dpkg.lines == ["install ok installed", "0"], "\(dpkg)")
            // apt-get install is reproducible too (same recipe, same mirror state): the recipe
            // removes the logs and caches that record when it ran.
            let again = try dir.build(["again.sqfs", "python.def"], timeout: 280)
            #expect(again.status == 0, "\(again)")
            #expect(dir.bytes("again.sqfs") == dir.bytes("python.sqfs"), "python.def rebuilt to different bytes")
        }

        /// Open MPI from Debian 12 (the host's version); mpirun runs ranks inside.
        @Test(
            .enabled(
                if: DebianBase.available, "no Debian base at \(DebianBase.path): the root set-up (make setup) makes it with debootstrap"),
            .timeLimit(.minutes(5)))
        func mpi() throws {
            let dir = BuildDir("recipe-mpi")
            symlink(DebianBase.path, dir.file("debian-12.sqfs"))
            let out = try dir.build(["mpi.sqfs", "mpi.def"], timeout: 280, recipe: try DebianBase.recipe("mpi.def"))
            #expect(out.status == 0, "\(out)")
            dir.expectClean()
            let ranks = try dir.sh(
                "mpi.sqfs", "mpirun --oversubscribe -n 2 sh -c 'echo rank $OMPI_COMM_WORLD_RANK of $OMPI_COMM_WORLD_SIZE' | sort")
            #expect(ranks.lines == ["rank 0 of 2", "rank 1 of 2"], "\(ranks)")
            let host = try? String(contentsOfFile: "/var/lib/dpkg/status", encoding: .utf8)
            if let host, let hostVersion = Self.version(of: "openmpi-bin", in: host) {
                let image = try dir.sh("mpi.sqfs", "dpkg-query -W -f '${Version}' openmpi-bin").stdout
                #expect(image == hostVersion, "the image's Open MPI matches the host's")
            }
        }

        /// Bootstrap: debootstrap, unprivileged (Recipes/debian-12.def).
        @Test(
            .enabled(
                if: DebianBase.debootstrapUsable,
                "debootstrap missing on the host or \(DebianBase.mirror) unreachable: Bootstrap: debootstrap not tested"),
            .timeLimit(.minutes(5)))
        func debootstrap() throws {
            let dir = BuildDir("recipe-debootstrap")
            let recipe = try DebianBase.recipe("debian-12.def").replacingOccurrences(
                of: "http://deb.debian.org/debian", with: DebianBase.mirror)
            let out = try dir.build(["debian-12.sqfs", "debian-12.def"], timeout: 280, recipe: recipe)
            #expect(out.status == 0, "\(out)")
            dir.expectClean()
            let probe = try dir.sh("debian-12.sqfs", "grep VERSION_CODENAME /etc/os-release; ls /var/lib/apt/lists | wc -l")
            #expect(probe.lines == ["VERSION_CODENAME=bookworm", "0"], "\(probe)")
            // The host's resolv.conf is not kept in the image (gourd binds it at run time).
            let cat = Process()
            cat.executableURL = URL(fileURLWithPath: "/usr/bin/unsquashfs")
            cat.arguments = ["-cat", dir.file("debian-12.sqfs"), "etc/resolv.conf"]
            let pipe = Pipe()
            cat.standardOutput = pipe
            try cat.run()
            let resolv = pipe.fileHandleForReading.readDataToEndOfFile()
            cat.waitUntilExit()
            #expect(cat.terminationStatus == 0 && resolv.isEmpty)
            let base = try #require(try dir.inspect("debian-12.sqfs").gourd?.bases?.first)
            #expect(base.source == "debootstrap:bookworm \(DebianBase.mirror)" && base.digest.hasPrefix("sha256:"), "\(base)")
        }

        static func version(of package: String, in status: String) -> String? {
            for stanza in status.components(separatedBy: "\n\n") where stanza.hasPrefix("Package: \(package)\n") {
                guard stanza.contains("Status: install ok installed") else { return nil }
                return stanza.split(separator: "\n").first { $0.hasPrefix("Version: ") }.map { String($0.dropFirst(9)) }
            }
            return nil
        }
    }
}

extension BuildDir {
    /// Writes the recipe, then builds it.
    func build(_ args: [String], timeout: Double, recipe: String) throws -> Outcome {
        write(args.last!, recipe)
        return try build(args, timeout: timeout)
    }
}
