import Foundation
import Testing

extension Integration {
    /// The container's PID 1 (gourd's init) holds nothing once its mounts are done (issue 10,
    /// finding 5): no capability, and no descriptor but the signalfd it waits on — not the
    /// image's FUSE connection (a holder of it that waits on the image when the server dies
    /// would never end), not the image file, not the host trees it bound (/tmp, /sys,
    /// /dev/shm, /dev/pts...), not the terminal.
    /// The workload runs as the same uid, so it can read PID 1's status and descriptors.
    @Suite struct InitPrivileges {
        static let script = """
            grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb):' /proc/1/status
            for fd in $(ls /proc/1/fd); do
                if [ -c /proc/1/fd/$fd ]; then echo "fd char $(stat -L -c %t:%T /proc/1/fd/$fd)"
                else echo "fd $(readlink /proc/1/fd/$fd 2>&1)"; fi
            done | sort
            """

        @Test(arguments: ["none", "KEY"])
        func initKeepsNoCapabilityAndNoHostDescriptor(share: String) throws {
            let share = share == "KEY" ? "t-" + UUID().uuidString.prefix(8).lowercased() : share
            let out = try Gourd.sh(Self.script, options: ["--share=\(share)"])
            #expect(out.status == 0, "\(out)")
            #expect(
                out.lines.filter { $0.hasPrefix("Cap") } == [
                    "CapInh:\t0000000000000000", "CapPrm:\t0000000000000000",
                    "CapEff:\t0000000000000000", "CapBnd:\t0000000000000000",
                    "CapAmb:\t0000000000000000",
                ], "--share=\(share): \(out)")
            #expect(out.lines.filter { $0.hasPrefix("fd ") } == ["fd anon_inode:[signalfd]"], "--share=\(share): \(out)")
            expectNothingLeft()
        }
    }
}
