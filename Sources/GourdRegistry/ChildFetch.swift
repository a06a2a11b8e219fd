import CGourdFetch
import Glibc
import GourdCore

/// Runs `Puller.fetch` in a forked child. The downloads may start threads (libcurl's
/// threaded resolver) and map libcurl and OpenSSL; the process that goes on to enter
/// namespaces (`unshare(CLONE_NEWUSER)` needs exactly one thread) must have neither, so the
/// network work happens in a child that exits when it is done. The child reports one line
/// on a close-on-exec pipe: "OK DIGEST" or "ERR CODE MESSAGE".
public enum ChildFetch {
    public static func fetch(_ reference: ImageReference, puller: Puller) throws(RegistryError) -> String {
        var fds: [Int32] = [-1, -1]
        guard gf_pipe(&fds) == 0 else { throw RegistryError(reference.description, "pipe2: \(String(cString: strerror(errno)))") }
        let pid = gf_fork()
        if pid < 0 {
            close(fds[0])
            close(fds[1])
            throw RegistryError(reference.description, "fork: \(String(cString: strerror(errno)))")
        }
        if pid == 0 {
            close(fds[0])
            _ = gf_child_setup()
            let line: String
            do throws(RegistryError) {
                line = "OK " + (try puller.fetch(reference))
            } catch {
                line = "ERR \(error.exitCode) \(error.description)"
            }
            var bytes = Array(line.utf8)
            _ = write(fds[1], &bytes, bytes.count)
            _exit(0)
        }
        close(fds[1])
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fds[0], &buffer, buffer.count)
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            output += buffer.prefix(n)
        }
        close(fds[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let text = String(decoding: output, as: UTF8.self)
        if text.hasPrefix("OK ") { return String(text.dropFirst(3)) }
        if text.hasPrefix("ERR ") {
            let rest = text.dropFirst(4)
            let code = Int32(rest.prefix { $0 != " " }) ?? GourdExit.launchFailed
            let message = String(rest.drop { $0 != " " }.dropFirst())
            throw RegistryError(message, "", exitCode: code).flattened
        }
        let signal = status & 0x7f
        if signal != 0 {
            throw RegistryError(reference.description, "the pull was interrupted by signal \(signal)", exitCode: GourdExit.signaled(signal))
        }
        throw RegistryError(reference.description, "the pull ended without a result (exit status \((status >> 8) & 0xff))")
    }
}

extension RegistryError {
    /// An error whose whole text is `reference` (carried across the child's pipe).
    var flattened: RegistryError {
        var copy = self
        copy.cause = ""
        return copy
    }
}
