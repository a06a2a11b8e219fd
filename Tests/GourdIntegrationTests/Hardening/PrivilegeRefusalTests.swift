import Foundation
import GourdCore
import Testing

extension Integration {
    /// A setuid or setgid copy of gourd refuses first (issue 10, finding 2): for every
    /// subcommand and flag, before any argument is parsed or any file read with privilege.
    @Suite struct PrivilegeRefusal {
        /// Command lines that reach every entry point: the fast launch parser, swift-argument-
        /// parser's help, version and errors, and each subcommand (inspect would hash a
        /// root-only image with the raised privilege; check would probe the kernel with it).
        static func commandLines(image: String, scratch: String) -> [[String]] {
            [
                [], ["--version"], ["--help"], ["-h"], ["help"], ["help", "exec"], ["no-such-subcommand"], ["--bogus"],
                ["exec", image, "true"], ["exec", "--help"], ["exec", "--cleanenv", image, "id"], ["run", image],
                ["shell", image], ["plan", image, "true"], ["plan", "--json", image],
                ["inspect", image], ["inspect", "--json", image], ["check"],
                ["build", scratch + "/out.sqfs", scratch + "/recipe.def"], ["build", "--help"],
            ]
        }

        /// A root-owned copy with `mode` (04755 or 02755) in a root-owned directory.
        func privilegedCopy(mode: mode_t) throws -> String {
            var template = Array("\(Scratch.shared.path)/privileged-XXXXXX".utf8CString)
            let dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
            chmod(dir, 0o755)
            let copy = dir + "/gourd"
            try FileManager.default.copyItem(atPath: TestEnvironment.shared.gourd, toPath: copy)
            chown(copy, 0, 0)
            chmod(copy, mode)
            return copy
        }

        @Test(.enabled(if: getuid() == 0), arguments: [(mode_t(0o4755), "setuid"), (mode_t(0o2755), "setgid")])
        func privilegedCopyRefusesEveryCommandFirst(mode: mode_t, kind: String) throws {
            let copy = try privilegedCopy(mode: mode)
            defer {
                unlink(copy)
                rmdir((copy as NSString).deletingLastPathComponent)
            }
            // A root-only image: a privileged inspect would read and hash it.
            let secret = (copy as NSString).deletingLastPathComponent + "/root-only.sqfs"
            try FileManager.default.copyItem(atPath: Gourd.env.image("busybox-zstd.sqfs"), toPath: secret)
            chmod(secret, 0o600)
            defer { unlink(secret) }
            let scratch = Scratch.shared.directory("privileged")
            Scratch.shared.write("Bootstrap: scratch\n", to: scratch + "/recipe.def")
            let why =
                kind == "setuid"
                ? "effective uid 0 differs from real uid \(Gourd.env.user.uid) (setuid)"
                : "effective gid 0 differs from real gid \(Gourd.env.user.gid) (setgid)"
            for args in Self.commandLines(image: secret, scratch: scratch) {
                let out = try Gourd.start([copy] + args, raw: true, wrapped: false).wait()
                #expect(out.status == GourdExit.launchFailed, "\(kind) \(args): \(out)")
                #expect(
                    out.stderr
                        == "gourd: refusing to run: \(why); gourd needs no privileges, install it without setuid, setgid or file capabilities\n",
                    "\(kind) \(args): \(out)")
                #expect(out.stdout.isEmpty, "\(kind) \(args): \(out)")
            }
            #expect(!FileManager.default.fileExists(atPath: scratch + "/out.sqfs"))
            expectNothingLeft()
        }
    }
}
