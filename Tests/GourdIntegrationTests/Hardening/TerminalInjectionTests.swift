import CGourdTestSupport
import Foundation
import Testing

extension Integration {
    /// The workload shares the caller's terminal but cannot type into it (issue 10, finding 3):
    /// TIOCSTI and TIOCLINUX fail with EPERM (seccomp), and `gourd shell` stays interactive.
    @Suite struct TerminalInjection {
        /// The probe pushes "echo INJECTED-BY-CONTAINER\n" into its terminal with TIOCSTI (also
        /// with bits above the low 32 set, which the kernel ignores) and tries TIOCLINUX. Every
        /// attempt fails with EPERM and nothing reaches the terminal's input queue or its echo.
        @Test func workloadCannotInjectIntoTheCallersTerminal() throws {
            let term = try PseudoTerminal(["exec", Gourd.env.image("probes.sqfs"), "/opt/probe/tiocsti"])
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
            let term = try PseudoTerminal(["shell", Gourd.env.image("busybox-zstd.sqfs")])
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
