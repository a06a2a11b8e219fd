import Foundation
import Testing

extension Integration {
    /// The container's PID 1 (gourd's init) holds nothing once its mounts are done (issue 10,
    /// finding 5): no capability, and no descriptor but the signalfd it waits on — not the
    /// image, /dev/fuse or the host trees it bound (/tmp, /sys, /dev/shm, /dev/pts...).
    /// The workload runs as the same uid, so it can read PID 1's status and descriptors.
    @Suite struct InitPrivileges {
        static let script = """
            grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb):' /proc/1/status
            for fd in $(ls /proc/1/fd); do echo "fd $(readlink /proc/1/fd/$fd 2>&1)"; done
            """

        @Test(arguments: ["none", "KEY"])
        func initKeepsNoCapabilityAndNoHostDescriptor(share: String) throws {
            let share = share == "KEY" ? "t-" + UUID().uuidString.prefix(8).lowercased() : share
            let out = try Gourd.sh(Self.script, options: ["--share=\(share)"])
            #expect(out.status == 0, "\(out)")
            #expect(out.lines.filter { $0.hasPrefix("Cap") } == ["CapInh:\t0000000000000000", "CapPrm:\t0000000000000000",
                                                                  "CapEff:\t0000000000000000", "CapBnd:\t0000000000000000",
                                                                  "CapAmb:\t0000000000000000"], "--share=\(share): \(out)")
            #expect(out.lines.filter { $0.hasPrefix("fd ") } == ["fd anon_inode:[signalfd]"], "--share=\(share): \(out)")
            expectNothingLeft()
        }
    }
}
