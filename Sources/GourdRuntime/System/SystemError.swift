import CGourdLaunch
import GourdCore
import SystemPackage

/// A failed system call: the operation, the path it concerned and errno.
public struct SystemError: Error, CustomStringConvertible {
    public var operation: String
    public var path: String?
    public var errno: Errno

    public init(_ operation: String, path: String? = nil, errno: Errno) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    /// From a C wrapper's negative errno result.
    init(_ operation: String, path: String? = nil, result: Int32) {
        self.init(operation, path: path, errno: Errno(rawValue: -result))
    }

    public var description: String {
        "\(operation)\(path.map { " \($0)" } ?? ""): \(errno.description)"
    }
}
