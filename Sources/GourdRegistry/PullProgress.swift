import Glibc

/// Progress on stderr while blobs download: one line rewritten in place (bytes, rate, which
/// blob), only when stderr is a terminal and not -q; nothing otherwise.
final class PullProgress {
    let enabled: Bool
    private var last = timespec()
    private var started = timespec()
    private var shown = false

    init(quiet: Bool) {
        enabled = !quiet && isatty(2) == 1
        clock_gettime(CLOCK_MONOTONIC, &started)
    }

    static func seconds(_ from: timespec, _ to: timespec) -> Double {
        Double(to.tv_sec - from.tv_sec) + Double(to.tv_nsec - from.tv_nsec) / 1e9
    }

    func begin() { clock_gettime(CLOCK_MONOTONIC, &started) }

    func update(_ what: String, done: Int64, total: Int64?) {
        guard enabled else { return }
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        guard Self.seconds(last, now) >= 0.2 else { return }
        last = now
        let rate = Double(done) / max(Self.seconds(started, now), 0.001)
        let size = total.map { " / \(Self.size($0))" } ?? ""
        emit("\r\u{1b}[Kgourd pull: \(what): \(Self.size(done))\(size) (\(Self.size(Int64(rate)))/s)")
        shown = true
    }

    func line(_ text: String) {
        guard enabled else { return }
        done()
        emit("gourd pull: \(text)\n")
    }

    func done() {
        guard shown else { return }
        shown = false
        emit("\r\u{1b}[K")
    }

    private func emit(_ text: String) {
        var bytes = Array(text.utf8)
        _ = write(2, &bytes, bytes.count)
    }

    static func size(_ bytes: Int64) -> String {
        if bytes < 1 << 20 { return "\(bytes / 1024) KiB" }
        if bytes < 1 << 30 { return "\(bytes >> 20) MiB" }
        let tenths = bytes * 10 >> 30
        return "\(tenths / 10).\(tenths % 10) GiB"
    }
}
