import Glibc

/// A NULL-terminated C array of C strings (argv, envp, names) with a stable address, owned
/// by Swift until deinit.
package final class CStringArray {
    package let count: Int
    package let base: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

    package init(_ strings: [String]) {
        count = strings.count
        base = .allocate(capacity: strings.count + 1)
        for (i, string) in strings.enumerated() { base[i] = strdup(string) }
        base[strings.count] = nil
    }

    deinit {
        for i in 0..<count { free(base[i]) }
        base.deallocate()
    }

    /// The same array as `const char *const *`.
    package var constBase: UnsafePointer<UnsafePointer<CChar>?> {
        UnsafeRawPointer(base).assumingMemoryBound(to: UnsafePointer<CChar>?.self)
    }
}
