import Glibc
import GourdRuntime
import SystemPackage
import Testing

/// The syscall seam on real files (no namespaces: safe in the multi-threaded test runner).
@Suite("Syscall")
struct SyscallTests {
    /// A temporary file with `bytes`, removed after `body`.
    func withFile<T>(_ bytes: [UInt8], _ body: (String, Int32) throws -> T) throws -> T {
        var template = Array("/tmp/gourd-syscall-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        try #require(fd >= 0)
        let path = String(decoding: template.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer {
            close(fd)
            unlink(path)
        }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        try #require(written == bytes.count)
        return try body(path, fd)
    }

    @Test func preadReadsARegionAndStopsAtEndOfFile() throws {
        let bytes = (0..<200).map { UInt8($0) }
        try withFile(bytes) { _, fd in
            #expect(Syscall.pread(fd, offset: 10, count: 5) == .success([10, 11, 12, 13, 14]))
            #expect(Syscall.pread(fd, offset: 190, count: 50) == .success(Array(bytes[190...])))
            #expect(Syscall.pread(fd, offset: 500, count: 5) == .success([]))
            #expect(Syscall.pread(fd, offset: UInt64.max - 1, count: 5) == .failure(.invalidArgument))
        }
    }

    @Test func readFileHonoursItsLimit() throws {
        let bytes = [UInt8](repeating: 7, count: 70_000)
        try withFile(bytes) { path, _ in
            #expect(Syscall.readFile(path, limit: 70_000) == .success(bytes))
            #expect(Syscall.readFile(path, limit: 69_999) == .failure(.fileTooLarge))
        }
        #expect(Syscall.readFile("/nonexistent/gourd", limit: 10) == .failure(.noSuchFileOrDirectory))
    }

    /// readAll's buffer starts at 4 KiB and grows: sizes at and around each step.
    @Test(arguments: [0, 1, 4095, 4096, 4097, 16_384, 16_385, 65_536, 65_537, 200_000])
    func readFileAtBufferSteps(size: Int) throws {
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try withFile(bytes) { path, _ in
            #expect(Syscall.readFile(path, limit: size) == .success(bytes))
            #expect(Syscall.readFile(path, limit: size + 5000) == .success(bytes))
            if size > 0 { #expect(Syscall.readFile(path, limit: size - 1) == .failure(.fileTooLarge)) }
        }
    }

    @Test func sha256OfADescriptor() throws {
        try withFile(Array("abc".utf8)) { _, fd in
            #expect(Syscall.sha256(fd) == .success("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))
        }
    }

    @Test func listDirectorySkipsDotEntries() throws {
        let names = try #require(Syscall.listDirectory("/proc/self"))
        #expect(names.contains("status") && !names.contains(".") && !names.contains(".."))
        #expect(Syscall.listDirectory("/nonexistent/gourd") == nil)
    }

    @Test func retryingPassesResultsAndErrno() {
        #expect(Syscall.retrying { Int32(3) } == .success(3))
        #expect(
            Syscall.retrying { () -> Int32 in
                errno = EBADF
                return -1
            } == .failure(.badFileDescriptor))
        var calls = 0
        let result = Syscall.retrying { () -> Int32 in
            calls += 1
            if calls < 3 {
                errno = EINTR
                return -1
            }
            return 0
        }
        #expect(result == .success(0) && calls == 3)
    }
}
