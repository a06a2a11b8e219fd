import CGourdTestSupport
import Foundation
import Testing

extension Integration {
    /// `gourd shell` on a real pseudo-terminal, as a user at a terminal would drive it.
    @Suite struct InteractiveShell {
        final class Terminal {
            let master: Int32
            let pid: pid_t
            var transcript = ""

            init() throws {
                var master: Int32 = -1
                var slave: Int32 = -1
                #expect(gdt_openpty(&master, &slave) == 0)
                self.master = master
                let env = TestEnvironment.shared
                pid = Gourd.spawn(
                    env.launchPrefix + [env.gourd, "shell", env.image("busybox-zstd.sqfs")],
                    environment: env.environment(["TERM": "dumb"]), cwd: Scratch.shared.path,
                    in: slave, out: slave, err: slave, keep: -1, ctty: true)
                close(slave)
                guard pid > 0 else { throw HarnessError.spawn(-pid) }
            }

            func send(_ text: String) { _ = text.withCString { write(master, $0, strlen($0)) } }

            /// Reads until `text` appears in the new output (or the timeout passes).
            @discardableResult
            func expect(_ text: String, timeout: Double = 10) -> Bool {
                let start = transcript.endIndex
                let end = Date().addingTimeInterval(timeout)
                while Date() < end {
                    var p = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
                    if poll(&p, 1, 50) > 0 {
                        var buffer = [UInt8](repeating: 0, count: 4096)
                        let n = read(master, &buffer, buffer.count)
                        if n <= 0 { break }
                        transcript += String(decoding: buffer.prefix(n), as: UTF8.self)
                        if transcript[start...].contains(text) { return true }
                    }
                }
                return transcript[start...].contains(text)
            }

            func wait() -> Int32 {
                var code: Int32 = -1
                if gdt_wait(pid, 10_000, &code) != 0 {
                    kill(pid, SIGKILL)
                    _ = gdt_wait(pid, 5000, &code)
                }
                close(master)
                return code
            }
        }

        @Test func shellRunsCommandsHandlesCtrlCAndJobControl() throws {
            let term = try Terminal()
            #expect(term.expect("gourd> "), "prompt: \(term.transcript)")
            term.send("echo $((6*7))\n")
            #expect(term.expect("42"), "\(term.transcript)")
            // ^C interrupts the foreground command, not the shell or gourd.
            term.send("sleep 100\n")
            usleep(300_000)
            term.send("\u{03}")
            #expect(term.expect("gourd> "), "after ^C: \(term.transcript)")
            // Job control works: a background job is listed.
            term.send("sleep 100 &\n")
            usleep(200_000)
            term.send("jobs\n")
            #expect(term.expect("Running"), "\(term.transcript)")
            // The window size set on the terminal is seen inside.
            var size = winsize(ws_row: 33, ws_col: 101, ws_xpixel: 0, ws_ypixel: 0)
            _ = ioctl(term.master, UInt(TIOCSWINSZ), &size)
            term.send("stty size\n")
            #expect(term.expect("33 101"), "\(term.transcript)")
            term.send("exit 5\n")
            #expect(term.wait() == 5, "\(term.transcript)")
            expectNothingLeft()
        }
    }
}
