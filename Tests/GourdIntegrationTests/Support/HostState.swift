import Foundation

/// What the host shows about containers: FUSE mounts in any namespace we can read, and
/// processes that carry a container's environment, among the test user's processes only.
/// Integration suites run serialized, so anything found here after a test belongs to that
/// test; another test run beside this one (as another user, `make test TEST_USER=...`) is
/// neither seen nor killed.
enum HostState {
    /// Lines of every readable /proc/PID/mountinfo that show a gourd FUSE mount.
    static func gourdMounts() -> [String] {
        var found: [String] = []
        for pid in pids() {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/mountinfo", encoding: .utf8) else { continue }
            for line in text.split(separator: "\n") where line.contains(" - fuse.gourd ") {
                found.append("pid \(pid): \(line)")
            }
        }
        return found
    }

    /// Processes whose environment has GOURD_CONTAINER (container processes), or whose
    /// executable is the gourd under test (launchers).
    static func containerProcesses() -> [String] {
        containerPIDs().map(\.description)
    }

    struct Found: CustomStringConvertible {
        var pid: Int32
        var cmdline: String
        var description: String { "pid \(pid): \(cmdline)" }
    }

    static func containerPIDs() -> [Found] {
        var found: [Found] = []
        let me = getpid()
        for pid in pids() where pid != me {
            let environ = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))) ?? Data()
            let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")) ?? ""
            let inContainer = environ.range(of: Data("GOURD_CONTAINER=".utf8)) != nil
            if inContainer || exe == TestEnvironment.shared.gourd {
                let cmdline = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
                let text = String(decoding: cmdline.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
                // A zombie or exiting process has no environ left: ignore empty entries.
                if !text.isEmpty { found.append(Found(pid: pid, cmdline: text)) }
            }
        }
        return found
    }

    /// Waits (up to `timeout`) until no container process or mount is left; returns what is.
    static func leftovers(timeout: Double = 3) -> [String] {
        let end = Date().addingTimeInterval(timeout)
        var left: [String] = []
        repeat {
            left = gourdMounts() + containerProcesses()
            if left.isEmpty { return [] }
            usleep(20_000)
        } while Date() < end
        return left
    }

    /// Ends what a failed test left so that the next test starts clean.
    static func killLeftovers() {
        for process in containerPIDs() { kill(process.pid, SIGKILL) }
    }

    /// The test user's processes (owner of /proc/PID).
    static func pids() -> [Int32] {
        let uid = TestEnvironment.shared.user.uid
        return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { name in
            guard let pid = Int32(name) else { return nil }
            var st = stat()
            return stat("/proc/\(name)", &st) == 0 && st.st_uid == uid ? pid : nil
        }
    }
}
