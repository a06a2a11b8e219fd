import Foundation
import GourdCore
import Testing

/// Another user can neither use a warm server nor squat its name (run as root: the runner
/// switches to `nobody` for the intruder).
extension Integration.Warm {
    static let intruder: [String] = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]

    /// Python as `nobody`: connect to the abstract name and report what the server sent.
    static let joinScript = """
        import array, socket, sys
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.settimeout(5)
        s.connect("\\0" + sys.argv[1])
        try:
            data, anc, flags, addr = s.recvmsg(1024, socket.CMSG_SPACE(16))
        except (ConnectionResetError, socket.timeout) as e:
            data, anc = b"", []
        fds = sum(len(d) // 4 for (level, kind, d) in anc if kind == socket.SCM_RIGHTS)
        print(f"bytes {len(data)} fds {fds}")
        """

    static let squatScript = """
        import socket, sys, time
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.bind("\\0" + sys.argv[1])
        s.listen(16)
        print("listening", flush=True)
        time.sleep(30)
        """

    @Test(.enabled(if: getuid() == 0, "needs root to run a second user"))
    func anotherUserCannotJoin() throws {
        let out = try Gourd.sh("true", env: Self.on)
        #expect(out.status == 0, "\(out)")
        let pid = try #require(try Self.serverPID())
        defer { Self.stop(pid) }
        let name = try Self.socketName()
        let probe = try Gourd.start(
            Self.intruder + ["/usr/bin/python3", "-c", Self.joinScript, name], raw: true, asRunner: true
        ).wait(timeout: 15)
        #expect(probe.lines == ["bytes 0 fds 0"], "no namespace descriptor for another uid: \(probe)")
        #expect(try Self.serverPID() == pid, "the server still serves its own user")
        Self.stop(pid)
        Self.expectNothingLeftAtAll()
    }

    @Test(.enabled(if: getuid() == 0, "needs root to run a second user"))
    func anotherUserCannotSquatTheName() throws {
        let name = try Self.socketName()
        #expect(name.hasPrefix("gourd/\(Gourd.env.user.uid)/warm/"), "\(name)")
        let squatter = try Gourd.start(Self.intruder + ["/usr/bin/python3", "-c", Self.squatScript, name], raw: true, asRunner: true)
        defer {
            squatter.signal(SIGKILL)
            _ = try? squatter.wait()
        }
        #expect(squatter.waitForOutput("listening"))
        let plan = try Self.plan()
        #expect((plan["server"] as? String ?? "").contains("held by uid 65534"), "\(plan)")
        let out = try Gourd.sh("echo cold", options: ["-v"], env: Self.on)
        #expect(out.status == 0 && out.lines == ["cold"], "\(out)")
        #expect(out.stderr.contains("cold launch") && out.stderr.contains("held by uid 65534"), "\(out)")
        #expect(Self.servers().isEmpty, "no server of ours started")
        squatter.signal(SIGKILL)
        _ = try? squatter.wait()
        Self.expectNothingLeftAtAll()
    }
}
