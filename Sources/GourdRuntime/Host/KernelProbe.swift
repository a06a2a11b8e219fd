import CGourdCommon
import CGourdLaunch
import Glibc
import GourdCore

/// What this kernel offers of the system calls gourd prefers, for `gourd check` and `gourd
/// plan` (a launch asks again inside its own namespaces, Executor.stage).
public enum KernelProbe {
    /// Probed in a throwaway child in its own user and mount namespaces (gd_missing_syscalls),
    /// so that it answers as a launch would.
    public static func support() -> KernelSupport {
        support(bits: gd_missing_syscalls())
    }

    static func support(bits: Int32) -> KernelSupport {
        let calls: [(KernelSupport.Call, gc_syscall_bit)] = [
            (.openat2, GC_SYSCALL_OPENAT2), (.openTree, GC_SYSCALL_OPEN_TREE), (.moveMount, GC_SYSCALL_MOVE_MOUNT),
            (.mountSetattr, GC_SYSCALL_MOUNT_SETATTR), (.closeRange, GC_SYSCALL_CLOSE_RANGE),
        ]
        return KernelSupport(missing: calls.filter { bits & Int32($0.1.rawValue) != 0 }.map(\.0))
    }

    /// The running kernel's release string (uname(2)) and its major and minor numbers.
    public static func release() -> (text: String, version: (Int, Int)?) {
        var name = utsname()
        uname(&name)
        let text = withUnsafeBytes(of: name.release) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        let numbers = text.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        return (text, numbers.count == 2 ? (numbers[0], numbers[1]) : nil)
    }
}
