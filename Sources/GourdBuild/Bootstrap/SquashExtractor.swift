import CGourdBuild
import CGourdImage
import Glibc
import GourdCore
import GourdFormats
import GourdRuntime

/// Copies a squashfs image (a plain file or a SIF partition) into the root, through gourd's
/// own reader (libsquashfuse) and the in-root writer: no unsquashfs, and nothing in the image
/// (a hostile symlink, a name with "..") can make a write land outside the root. Modes
/// (setuid bits included), symlinks, FIFOs and file contents are kept; owners become the
/// builder (root in the image); device nodes and sockets are skipped; hard links become
/// separate copies (libsquashfuse does not say which inodes are shared).
struct SquashExtractor {
    let image: SquashImage
    let writer: RootWriter
    let log: BuildLog
    let signals: BuildSignals
    let what: String
    var files = 0
    var bytes: UInt64 = 0
    var skipped: [String] = []

    init(image: SquashImage, writer: RootWriter, log: BuildLog, signals: BuildSignals, what: String) {
        self.image = image
        self.writer = writer
        self.log = log
        self.signals = signals
        self.what = what
    }

    mutating func extract() throws(BuildError) {
        try copyDirectory(gd_image_root(image.handle), to: [], depth: 0)
        log.progressDone()
        if !skipped.isEmpty {
            let shown = skipped.prefix(5).joined(by: ", ")
            log.warning(
                "\(what): skipped \(skipped.count) device node(s) or socket(s): \(shown)\(skipped.count > 5 ? ", ..." : "") (an unprivileged build cannot create devices; gourd provides /dev at run time)"
            )
        }
    }

    func names(_ node: UInt64) throws(BuildError) -> [[UInt8]] {
        final class Names { var list: [[UInt8]] = [] }
        let names = Names()
        let rc = withExtendedLifetime(names) {
            gd_image_list(
                image.handle, node,
                { context, name, _ in
                    let names = Unmanaged<Names>.fromOpaque(context!).takeUnretainedValue()
                    let bytes = Array(
                        UnsafeBufferPointer(
                            start: UnsafeRawPointer(name!).assumingMemoryBound(to: UInt8.self),
                            count: strlen(name!)))
                    names.list.append(bytes)
                    return 0
                }, Unmanaged.passUnretained(names).toOpaque())
        }
        guard rc == 0 else { throw BuildError("\(what): cannot list a directory: \(String(cString: strerror(-rc)))") }
        return names.list.sorted { $0.lexicographicallyPrecedes($1) }
    }

    mutating func copyDirectory(_ node: UInt64, to parts: ArchivePath.Components, depth: Int) throws(BuildError) {
        guard depth < 256 else { throw BuildError("\(what): directories nested more than 256 deep at \(ArchivePath.display(parts))") }
        for name in try names(node) {
            // A name is one component: squashfs directory entries cannot hold "/", but a
            // corrupt image could claim "." or ".." or a NUL-free name with "/".
            guard !name.isEmpty, name != [0x2e], name != [0x2e, 0x2e], !name.contains(0x2f) else {
                throw BuildError(
                    "\(what): corrupt directory entry '\(String(decoding: name, as: UTF8.self))' in \(ArchivePath.display(parts))")
            }
            let child = parts + [name]
            var inode: UInt64 = 0
            let found = RootWriter.cString(name) { gd_image_lookup(image.handle, node, $0, &inode) }
            guard found == 0, let attr = image.stat(inode) else {
                throw BuildError("\(what): cannot read \(ArchivePath.display(child)): \(String(cString: strerror(-found)))")
            }
            let mode = attr.mode & 0o7777
            files += 1
            if files % 256 == 0 { try signals.check() }
            log.progress("\(what): \(files) files, \(BuildLog.size(bytes))")
            switch attr.mode & 0o170000 {
            case 0o040000:  // directory
                try writer.directory(child, mode: mode)
                try copyDirectory(inode, to: child, depth: depth + 1)
            case 0o100000:  // regular file
                try writer.file(child, mode: mode) { (fd) throws(BuildError) in try copyFile(inode, size: attr.size, to: fd, path: child) }
                bytes += attr.size
            case 0o120000:  // symlink
                var target = [UInt8](repeating: 0, count: 4096)
                var len = target.count
                let rc = target.withUnsafeMutableBytes { gd_image_readlink(image.handle, inode, $0.baseAddress, &len) }
                guard rc == 0, len > 0, len <= target.count else {
                    throw BuildError("\(what): cannot read the symlink \(ArchivePath.display(child))")
                }
                try writer.symlink(child, target: Array(target.prefix(len)))
            case 0o010000:  // FIFO
                try writer.fifo(child, mode: mode)
            default:
                skipped.append(ArchivePath.display(child))
            }
        }
    }

    func copyFile(_ inode: UInt64, size: UInt64, to fd: Int32, path: ArchivePath.Components) throws(BuildError) {
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset: UInt64 = 0
        while offset < size {
            var len = buffer.count
            let rc = buffer.withUnsafeMutableBytes { gd_image_read(image.handle, inode, offset, $0.baseAddress, &len) }
            guard rc == 0 else { throw BuildError("\(what): reading \(ArchivePath.display(path)): \(String(cString: strerror(-rc)))") }
            if len == 0 { throw BuildError("\(what): \(ArchivePath.display(path)) is shorter than its inode says (corrupt image)") }
            let written = buffer.withUnsafeBytes { gb_write_all(fd, $0.baseAddress, len) }
            guard written == 0 else { throw .system("write", path: ArchivePath.display(path) + " (in the image)", result: written) }
            offset += UInt64(len)
        }
    }
}
