import CGourdBuild
import Glibc

/// What `gourd build` says on stderr: one line per step ("gourd build: ..."), warnings, and,
/// only when stderr is a terminal, a progress line rewritten in place (at most 5 times a
/// second). In a log file the build stays a few lines long.
final class BuildLog {
    let terminal: Bool
    let quiet: Bool
    private var lastProgress: timespec = timespec()
    private var progressShown = false

    init(quiet: Bool = false) {
        terminal = isatty(2) == 1
        self.quiet = quiet
    }

    private func write(_ text: String) {
        var bytes = Array(text.utf8)
        _ = gb_write_all(2, &bytes, bytes.count)
    }

    func step(_ text: String) {
        guard !quiet else { return }
        progressDone()
        write("gourd build: \(text)\n")
    }

    func warning(_ text: String) {
        progressDone()
        write("gourd build: warning: \(text)\n")
    }

    func progress(_ text: @autoclosure () -> String) {
        guard terminal, !quiet else { return }
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let elapsed = Double(now.tv_sec - lastProgress.tv_sec) + Double(now.tv_nsec - lastProgress.tv_nsec) / 1e9
        guard elapsed >= 0.2 else { return }
        lastProgress = now
        let line = String(text().prefix(79))
        write("\r\u{1b}[K\(line)")
        progressShown = true
    }

    func progressDone() {
        guard progressShown else { return }
        progressShown = false
        write("\r\u{1b}[K")
    }

    static func size(_ bytes: UInt64) -> String {
        if bytes < 1 << 20 { return "\(bytes / 1024) KiB" }
        if bytes < 1 << 30 { return "\(bytes >> 20) MiB" }
        let tenths = bytes * 10 >> 30
        return "\(tenths / 10).\(tenths % 10) GiB"
    }
}
