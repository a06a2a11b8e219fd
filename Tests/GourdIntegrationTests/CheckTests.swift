import Foundation
import Testing

extension Integration {
    @Suite struct HostCheck {
        @Test func checkPassesOnThisHost() throws {
            let out = try Gourd.run(["check"])
            #expect(out.status == 0, "\(out)")
            for item in ["privileges", "kernel", "user namespaces", "/dev/fuse", "launch"] {
                #expect(out.stdout.contains("ok    \(item):"), "\(item): \(out)")
            }
            expectNothingLeft()
        }

        /// A setuid-root copy of gourd refuses to run (only testable when the runner is root).
        @Test(.enabled(if: getuid() == 0)) func setuidCopyRefusesToRun() throws {
            let dir = Scratch.shared.directory("setuid")
            let copy = dir + "/gourd"
            try FileManager.default.copyItem(atPath: TestEnvironment.shared.gourd, toPath: copy)
            chown(copy, 0, 0)
            chmod(copy, 0o4755)
            let out = try Gourd.start([copy, "exec", Gourd.env.image("busybox-zstd.sqfs"), "true"], raw: true).wait()
            #expect(out.status == 125, "\(out)")
            #expect(out.stderr.contains("refusing to run") && out.stderr.contains("setuid"), "\(out)")
            unlink(copy)
        }
    }
}
