import Glibc
import GourdCore

/// Finds and reads the site policy. Search order: /etc/gourd/policy.toml, then
/// $GOURD_SYSCONFDIR/policy.toml (for installs without root, and for tests); no file means
/// `Policy.builtIn`. A file that exists but cannot be read or parsed is an error: gourd
/// refuses to run rather than guess what the site wanted.
public enum PolicyLoader {
    public static let systemFile = "/etc/gourd/policy.toml"

    public static func candidates(environment: (String) -> String? = { getenv($0).map { String(cString: $0) } }) -> [String] {
        var files = [systemFile]
        if let directory = environment("GOURD_SYSCONFDIR"), !directory.isEmpty { files.append(directory + "/policy.toml") }
        return files
    }

    public static func load() throws(PolicyError) -> Policy {
        for file in candidates() {
            guard let text = try read(file) else { continue }
            return try PolicyParser.parse(text, file: file)
        }
        return .builtIn
    }

    /// The file's text; nil when it does not exist.
    static func read(_ file: String) throws(PolicyError) -> String? {
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw .unreadable(file: file, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
            throw .unreadable(file: file, reason: "not a regular file")
        }
        guard st.st_size <= 1 << 20 else { throw .unreadable(file: file, reason: "larger than 1 MiB") }
        let bytes: [UInt8]
        switch Syscall.readAll(fd, limit: 1 << 20) {
        case .success(let all): bytes = all
        case .failure(.fileTooLarge): throw .unreadable(file: file, reason: "larger than 1 MiB")
        case .failure(let error): throw .unreadable(file: file, reason: error.description)
        }
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.utf8.elementsEqual(bytes) else { throw .unreadable(file: file, reason: "not valid UTF-8") }
        // A NUL byte has no place in a policy file; reject it here, with the reason.
        guard !bytes.contains(0) else { throw .unreadable(file: file, reason: "contains a NUL byte") }
        return text
    }
}
