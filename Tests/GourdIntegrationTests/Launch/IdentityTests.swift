import Foundation
import Testing

extension Integration {
    @Suite struct Identity {
        let user = TestEnvironment.shared.user

        @Test func runsAsTheCallersOwnUidAndGid() throws {
            let out = try Gourd.sh("id -u; id -g; id -un")
            #expect(out.status == 0, "\(out)")
            #expect(out.lines == ["\(user.uid)", "\(user.gid)", user.name], "\(out)")
        }

        @Test func hasNoCapabilitiesAndNoNewPrivs() throws {
            let out = try Gourd.sh("grep -E '^(CapEff|CapPrm|NoNewPrivs)' /proc/self/status")
            #expect(out.status == 0, "\(out)")
            #expect(out.stdout.contains("CapEff:\t0000000000000000"), "\(out)")
            #expect(out.stdout.contains("CapPrm:\t0000000000000000"), "\(out)")
            #expect(out.stdout.contains("NoNewPrivs:\t1"), "\(out)")
        }

        /// uid 0 keeps capabilities across execve in a user namespace: gourd must still leave
        /// the workload none when root runs it.
        @Test(.enabled(if: getuid() == 0)) func rootCallerAlsoGetsNoCapabilities() throws {
            let env = TestEnvironment.shared
            let out = try Gourd.start(
                [
                    env.gourd, "exec", env.image("busybox-zstd.sqfs"), "sh", "-c",
                    "id -u; grep -E '^Cap(Eff|Prm|Bnd|Amb)' /proc/self/status",
                ], raw: true, asRunner: true
            ).wait()
            #expect(out.lines.first == "0", "\(out)")
            #expect(out.lines.dropFirst().allSatisfy { $0.hasSuffix("0000000000000000") } && out.lines.count == 5, "\(out)")
        }

        @Test func uidMapIsTheUserNotRoot() throws {
            let out = try Gourd.sh("cat /proc/self/uid_map /proc/self/gid_map; cat /proc/self/setgroups")
            let fields = out.lines.map { $0.split(separator: " ").map(String.init) }
            #expect(fields.count == 3, "\(out)")
            #expect(fields.first == ["\(user.uid)", "\(user.uid)", "1"], "\(out)")
            #expect(fields.dropFirst().first == ["\(user.gid)", "\(user.gid)", "1"], "\(out)")
            #expect(out.lines.last == "deny", "\(out)")
        }

        @Test func passwdShowsTheUserAndKeepsImageEntries() throws {
            let out = try Gourd.sh("cat /etc/passwd; echo ---; cat /etc/group")
            let parts = out.stdout.components(separatedBy: "---\n")
            let passwd = parts[0]
            let group = parts.count > 1 ? parts[1] : ""
            #expect(passwd.contains("\(user.name):x:\(user.uid):\(user.gid):"), "\(out)")
            #expect(passwd.contains(":\(user.home):"), "\(out)")
            #expect(passwd.contains("imageuser:x:4242:4242:from the image:"), "image entries kept: \(out)")
            #expect(passwd.contains("root:x:0:0:"), "\(out)")
            #expect(passwd.contains("nobody:x:65534:"), "\(out)")
            #expect(group.contains(":x:\(user.gid):\(user.name)"), "\(out)")
            #expect(group.contains("imagegroup:x:4242:"), "\(out)")
            #expect(out.status == 0)
        }

        @Test func homeIsTheHostHomeAndHOMEIsSet() throws {
            let marker = "home-marker-\(UUID().uuidString)"
            let out = try Gourd.sh("echo $HOME; echo \(marker) > \"$HOME/.gourd-test-marker\"; cat \"$HOME/.gourd-test-marker\"")
            #expect(out.lines == [user.home, marker], "\(out)")
            let onHost = try? String(contentsOfFile: user.home + "/.gourd-test-marker", encoding: .utf8)
            #expect(onHost == marker + "\n", "written inside, visible on the host")
            unlink(user.home + "/.gourd-test-marker")
        }
    }
}
