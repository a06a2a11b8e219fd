import CGourdTestSupport
import Foundation
import Testing

extension Integration {
    /// `gourd shell` on a real pseudo-terminal, as a user at a terminal would drive it.
    @Suite struct InteractiveShell {
        @Test func shellRunsCommandsHandlesCtrlCAndJobControl() throws {
            let term = try PseudoTerminal(["shell", Gourd.env.image("busybox-zstd.sqfs")])
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
