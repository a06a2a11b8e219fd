import Foundation
import GourdCore
import Testing

extension Integration {
    /// Hostile images (issue 10, finding 1): a malformed image is one line naming the file and
    /// the cause, exit 125, and never a crash or a touch of freed memory.
    @Suite struct CraftedImages {
        /// busybox with the superblock's inode count set to ED 5F 84 00 (make-test-images.sh):
        /// libsquashfuse's sqfs_init fails after cleaning up, and destroying it again was a
        /// double free (SIGSEGV or "free(): invalid pointer").
        static let crafted = Gourd.env.image("crafted-inodes.sqfs")

        @Test(arguments: [
            ["exec", "IMAGE", "true"], ["run", "IMAGE"], ["shell", "IMAGE"], ["plan", "IMAGE", "true"],
            ["inspect", "IMAGE"], ["inspect", "--json", "IMAGE"],
        ])
        func craftedInodeCountIsOneLineAndExit125(command: [String]) throws {
            let out = try Gourd.run(command.map { $0 == "IMAGE" ? Self.crafted : $0 })
            #expect(out.status == GourdExit.launchFailed, "\(out)")
            #expect(out.stderr == "gourd: image \(Self.crafted): corrupt: its tables cannot be read\n", "\(out)")
            #expect(out.stdout.isEmpty, "\(out)")
            expectNothingLeft()
        }

        /// The same under valgrind, for every malformed image the tests have: no invalid read,
        /// write or free. (Valgrind 3.19 cannot read the DWARF 5 of a Swift debug build, so it
        /// runs a copy without debug sections.)
        @Test(
            .enabled(
                if: FileManager.default.isExecutableFile(atPath: "/usr/bin/valgrind")
                    && FileManager.default.isExecutableFile(atPath: "/usr/bin/strip")))
        func malformedImagesTouchNoFreedMemory() throws {
            let dir = Scratch.shared.directory("valgrind")
            let copy = dir + "/gourd"
            let strip = try Gourd.start(["/usr/bin/strip", "--strip-debug", "-o", copy, Gourd.env.gourd], raw: true, asRunner: true).wait()
            #expect(strip.status == 0, "\(strip)")
            chmod(copy, 0o755)
            for name in ["crafted-inodes.sqfs", "truncated.sqfs", "not-squashfs.sqfs", "badcomp.sqfs", "sif-truncated.sif"] {
                let image = Gourd.env.image(name)
                let commands = name.hasPrefix("crafted") ? [["inspect", image], ["exec", image, "true"]] : [["inspect", image]]
                for command in commands {
                    let out = try Gourd.start(["/usr/bin/valgrind", "-q", "--error-exitcode=99", copy] + command, raw: true)
                        .wait(timeout: 60)
                    #expect(out.status == GourdExit.launchFailed, "\(name) \(command[0]): \(out)")
                    #expect(
                        out.stderr.split(separator: "\n").count == 1 && out.stderr.hasPrefix("gourd: image \(image): "),
                        "\(name) \(command[0]): \(out)")
                }
            }
            unlink(copy)
        }
    }
}
