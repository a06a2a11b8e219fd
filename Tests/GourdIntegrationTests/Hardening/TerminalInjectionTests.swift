import CGourdTestSupport
import Foundation
import Testing

extension Integration {
    /// The workload shares the caller's terminal but cannot type into it (issue 10, finding 3):
    /// TIOCSTI and TIOCLINUX fail with EPERM (seccomp), and `gourd shell` stays interactive.
    @Suite struct TerminalInjection {
        /// gourd on a real pseudo-terminal that is its controlling terminal, as at a login. The
        /// test keeps the slave open too, as the caller's shell would, to see what was queued
        /// for it to read after gourd exits.
        final class Terminal {
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

        /// The probe pushes "echo INJECTED-BY-CONTAINER\n" into its terminal with TIOCSTI (also
        /// with bits above the low 32 set, which the kernel ignores) and tries TIOCLINUX. Every
        /// attempt fails with EPERM and nothing reaches the terminal's input queue or its echo.
        @Test func workloadCannotInjectIntoTheCallersTerminal() throws {
            let term = try Terminal(["exec", Gourd.env.image("probes.sqfs"), "/opt/probe/tiocsti"])
            let status = term.wait()
            #expect(status == 0, "\(term.transcript)")
            for attempt in ["TIOCSTI", "TIOCSTI+high", "TIOCLINUX"] {
                #expect(term.transcript.contains("\(attempt): Operation not permitted"), "\(attempt): \(term.transcript)")
            }
            #expect(!term.transcript.contains("INJECTED-BY-CONTAINER"), "echoed: \(term.transcript)")
            let queued = term.pendingInput()
            #expect(queued.isEmpty, "the caller's shell would read: \(queued)")
            expectNothingLeft()
        }

        /// With the filter in place the shell is still fully interactive: prompt, commands,
        /// ^C, ^Z and fg (job control: TIOCSPGRP), window size, exit status.
        @Test func interactiveShellStillWorksUnderTheFilter() throws {
            let term = try Terminal(["shell", Gourd.env.image("busybox-zstd.sqfs")])
            #expect(term.expect("gourd> "), "prompt: \(term.transcript)")
            term.send("grep Seccomp: /proc/self/status\n")
            #expect(term.expect("Seccomp:\t2"), "the filter applies to the shell: \(term.transcript)")
            term.send("sleep 100\n")
            usleep(300_000)
            term.send("\u{03}")
            #expect(term.expect("gourd> "), "after ^C: \(term.transcript)")
            term.send("sleep 100\n")
            usleep(300_000)
            term.send("\u{1A}")
            #expect(term.expect("Stopped"), "after ^Z: \(term.transcript)")
            term.send("fg\n")
            usleep(300_000)
            term.send("\u{03}")
            term.send("jobs; echo jobs-$((40+2))\n")
            #expect(term.expect("jobs-42"), "after fg and ^C: \(term.transcript)")
            var size = winsize(ws_row: 27, ws_col: 93, ws_xpixel: 0, ws_ypixel: 0)
            _ = ioctl(term.master, UInt(TIOCSWINSZ), &size)
            term.send("stty size\n")
            #expect(term.expect("27 93"), "\(term.transcript)")
            term.send("exit 3\n")
            #expect(term.wait() == 3, "\(term.transcript)")
            expectNothingLeft()
        }
    }
}
