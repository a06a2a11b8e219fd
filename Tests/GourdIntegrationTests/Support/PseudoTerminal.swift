import CGourdTestSupport
import Foundation
import Testing

/// gourd on a real pseudo-terminal that is its controlling terminal, as at a login (`gourd
/// shell` driven by a user, the terminal-injection probes). The test keeps the slave open too,
/// as the caller's shell would, to see what was queued for it to read after gourd exits.
final class PseudoTerminal {
    let master: Int32
    let slave: Int32
    let pid: pid_t
    var transcript = ""

    init(_ args: [String]) throws {
        var master: Int32 = -1
        var slave: Int32 = -1
        #expect(gdt_openpty(&master, &slave) == 0)
        self.master = master
        self.slave = slave
        let env = TestEnvironment.shared
        pid = Gourd.spawn(
            env.launchPrefix + [env.gourd] + args, environment: env.environment(["TERM": "dumb"]),
            cwd: Scratch.shared.path, in: slave, out: slave, err: slave, keep: -1, ctty: true)
        guard pid > 0 else { throw HarnessError.spawn(-pid) }
    }

    func send(_ text: String) { _ = text.withCString { write(master, $0, strlen($0)) } }

    /// Reads the master until `text` appears in the new output (or the timeout passes).
    @discardableResult
    func expect(_ text: String, timeout: Double = 10) -> Bool {
        let start = transcript.endIndex
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            drain(50)
            if transcript[start...].contains(text) { return true }
        }
        return transcript[start...].contains(text)
    }

    func drain(_ ms: Int32) {
        var p = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, ms) > 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = read(master, &buffer, buffer.count)
        if n > 0 { transcript += String(decoding: buffer.prefix(n), as: UTF8.self) }
    }

    /// What is waiting in the terminal's input queue for the next reader (the caller's
    /// shell, once gourd has exited).
    func pendingInput() -> String {
        _ = fcntl(slave, F_SETFL, fcntl(slave, F_GETFL) | O_NONBLOCK)
        var buffer = [UInt8](repeating: 0, count: 4096)
        var text = ""
        while true {
            let n = read(slave, &buffer, buffer.count)
            if n <= 0 { break }
            text += String(decoding: buffer.prefix(n), as: UTF8.self)
        }
        return text
    }

    func wait() -> Int32 {
        var code: Int32 = -1
        if gdt_wait(pid, 10_000, &code) != 0 {
            kill(pid, SIGKILL)
            _ = gdt_wait(pid, 5000, &code)
        }
        for _ in 0..<5 { drain(20) }
        return code
    }

    deinit {
        close(master)
        close(slave)
    }
}
