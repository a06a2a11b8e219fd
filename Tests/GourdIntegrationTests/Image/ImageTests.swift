import Foundation
import GourdCore
import Testing

extension Integration {
    @Suite struct Images {
        @Test(arguments: [
            ("not-squashfs.sqfs", "not a squashfs image"),
            ("truncated.sqfs", "truncated"),
            ("badcomp.sqfs", "unsupported compression"),
            ("no-such-image.sqfs", "no such file"),
        ])
        func badImageIsAClearErrorWithNothingLeft(name: String, reason: String) throws {
            let path = Gourd.env.image(name)
            let out = try Gourd.run(["exec", path, "true"])
            #expect(out.status == GourdExit.launchFailed, "\(out)")
            #expect(out.stderr == "gourd: image \(path): \(reason)\n" || out.stderr.hasPrefix("gourd: image \(path): \(reason)"), "\(out)")
            expectNothingLeft()
        }

        @Test func directoryIsNotAnImage() throws {
            let out = try Gourd.run(["exec", Gourd.env.images, "true"])
            #expect(out.status == GourdExit.launchFailed)
            #expect(out.stderr.contains("is a directory"), "\(out)")
        }

        @Test func unreadableImageIsPermissionDenied() throws {
            let dir = Scratch.shared.directory("unreadable")
            let path = dir + "/img.sqfs"
            try FileManager.default.copyItem(atPath: Gourd.env.image("busybox-zstd.sqfs"), toPath: path)
            Scratch.shared.chownToUser(path)
            chmod(path, 0)
            let out = try Gourd.run(["exec", path, "true"])
            #expect(out.status == GourdExit.launchFailed)
            #expect(out.stderr == "gourd: image \(path): permission denied\n", "\(out)")
        }

        /// A corrupt block: reading it inside gives EIO, promptly; other files still work.
        @Test func corruptBlockIsAnIOErrorNotAHang() throws {
            let out = try Gourd.run(
                [
                    "exec", Gourd.env.image("corrupt.sqfs"), "sh", "-c",
                    "cat /zz/corrupt > /dev/null; echo rc=$?; echo still-running",
                ], timeout: 20)
            #expect(out.lines == ["rc=1", "still-running"], "\(out)")
            #expect(out.stderr.contains("Input/output error"), "\(out)")
            expectNothingLeft()
        }

        @Test func runUsesTheApptainerRunscript() throws {
            let out = try Gourd.run(["run", Gourd.env.image("apptainer.sqfs"), "a", "b c"])
            #expect(out.lines == ["apptainer runscript: a b c"], "\(out)")
        }

        @Test func runFollowsDockerEntrypointAndCmd() throws {
            #expect(try Gourd.run(["run", Gourd.env.image("gourd-meta.sqfs")]).lines == ["entry: default cmd"])
            #expect(try Gourd.run(["run", Gourd.env.image("gourd-meta.sqfs"), "x"]).lines == ["entry: x"])
        }

        @Test func runFallsBackToSh() throws {
            let out = try Gourd.run(["run", Gourd.env.image("busybox-zstd.sqfs"), "-c", "echo plain"])
            #expect(out.lines == ["plain"], "\(out)")
        }

        @Test func imagePathMayBeRelativeOrASymlink() throws {
            let dir = Scratch.shared.directory("relative")
            symlink(Gourd.env.image("busybox-zstd.sqfs"), dir + "/link.sqfs")
            let out = try Gourd.run(["exec", "link.sqfs", "true"], cwd: dir)
            #expect(out.status == 0, "\(out)")
        }
    }
}
