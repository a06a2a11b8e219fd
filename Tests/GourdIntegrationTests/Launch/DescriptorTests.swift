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
            let out = try Gourd.run(
                [
                    "exec", Gourd.env.image("busybox-zstd.sqfs"), "sh", "-c",
                    "ls -l /proc/$$/fd | tail -n +2; echo via-7 >&\(passed)",
                ], keep: passed)
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

        /// The descriptor numbers of the shell's process as `ls -l /proc/$$/fd` prints them.
        static func descriptorNumbers(_ lines: [String]) -> Set<String> {
            Set(
                lines.compactMap { line -> String? in
                    let fields = line.split(separator: " ")
                    guard let arrow = fields.firstIndex(of: "->"), arrow > 0 else { return nil }
                    return String(fields[arrow - 1])
                })
        }

        /// Not a pipeline (the shell holds a pipe end while it forks) and not the last command
        /// (the shell would exec ls, which lists its own directory descriptor).
        static let listing = "ls -l /proc/$$/fd; true"

        /// The same for every launch path: `run` (no runscript: /bin/sh ARGS), a rank that
        /// joins a shared container, and the rank that starts it.
        @Test(arguments: ["run", "shared"])
        func noLauncherDescriptorReachesOtherPaths(path: String) throws {
            let image = Gourd.env.image("busybox-zstd.sqfs")
            let out: Outcome
            switch path {
            case "run":
                out = try Gourd.run(["run", image, "-c", Self.listing])
            default:
                let key = "fd-\(UUID().uuidString.prefix(8))"
                let first = try Gourd.start(["exec", "--share=\(key)", image, "sh", "-c", "sleep 1; \(Self.listing)"])
                usleep(300_000)
                let joined = try Gourd.run(["exec", "--share=\(key)", image, "sh", "-c", Self.listing])
                let starter = try first.wait(timeout: 20)
                #expect(Self.descriptorNumbers(starter.lines) == ["0", "1", "2"], "starter: \(starter)")
                out = joined
            }
            #expect(out.status == 0, "\(out)")
            #expect(Self.descriptorNumbers(out.lines) == ["0", "1", "2"], "\(path): \(out)")
        }

        /// `gourd shell` reading its commands from a file (not a terminal).
        @Test func noLauncherDescriptorReachesAShell() throws {
            let script = Scratch.shared.path + "/fd-shell-\(UUID().uuidString.prefix(8))"
            Scratch.shared.write(Self.listing + "\n", to: script)
            let out = try Gourd.start(["shell", "--shell", "/bin/sh", Gourd.env.image("busybox-zstd.sqfs")], stdin: script)
                .wait(timeout: 20)
            #expect(out.status == 0, "\(out)")
            #expect(Self.descriptorNumbers(out.lines) == ["0", "1", "2"], "\(out)")
        }

        /// A build's %post sees only its standard descriptors (not the recipe, the workspace's
        /// lock, the image being read or the build's pipes). The script's shell holds its own
        /// script open (at fd 10 and up), so the listing comes from the program it execs.
        @Test func noBuildDescriptorReachesPost() throws {
            let out = try Scratch.shared.buildBusybox("fd-build", post: #"exec /bin/busybox ls -l /proc/self/fd/"#)
            #expect(out.status == 0, "\(out)")
            // ls's own directory descriptor is gone by the time it reads the links: it has no "->".
            let lines = (out.stdout + out.stderr).split(separator: "\n").map(String.init)
                .filter { $0.contains(" -> ") && $0.hasPrefix("l") }
            #expect(!lines.isEmpty, "\(out)")
            #expect(Self.descriptorNumbers(lines) == ["0", "1", "2"], "\(out)")
        }
    }
}
