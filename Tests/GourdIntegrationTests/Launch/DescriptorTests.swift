import CGourdTestSupport
import Foundation
import Testing

extension Integration {
    @Suite struct Descriptors {
        /// Only 0, 1, 2 and what the caller passed reach the workload: not the image, not
        /// /dev/fuse, not gourd's pipes or signalfd.
        @Test func noLauncherDescriptorLeaksAndPassedOnesDo() throws {
            var fds: [Int32] = [-1, -1]
            #expect(gdt_pipe(&fds) == 0)
            // The write end stays open at its number in gourd, as a shell's `N>file` would be.
            // (No dup2 to a fixed number: the test runner's other threads own descriptors.)
            let passed = fds[1]
            let out = try Gourd.run(["exec", Gourd.env.image("busybox-zstd.sqfs"), "sh", "-c",
                                     "ls -l /proc/$$/fd | tail -n +2; echo via-7 >&\(passed)"], keep: passed)
            close(passed)
            var buffer = [UInt8](repeating: 0, count: 64)
            let n = read(fds[0], &buffer, 64)
            close(fds[0])
            #expect(String(decoding: buffer.prefix(max(n, 0)), as: UTF8.self) == "via-7\n")
            let numbers = out.lines.compactMap { line -> String? in
                let fields = line.split(separator: " ")
                guard let arrow = fields.firstIndex(of: "->"), arrow > 0 else { return nil }
                return String(fields[arrow - 1])
            }
            #expect(Set(numbers) == ["0", "1", "2", "\(passed)"], "\(out)")
        }
    }
}
