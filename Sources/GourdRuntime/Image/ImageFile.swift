import Glibc
import GourdCore
import GourdFormats

/// An image file as given on the command line: a squashfs file, or an Apptainer/Singularity
/// SIF file whose primary system partition is a squashfs, served in place at its offset.
public enum ImageFile {
    /// What `open` found: the squashfs served, where it lies, and the SIF container around it.
    public struct Opened {
        public var squash: SquashImage
        public var location: ImageLocation
        /// nil for a plain squashfs file.
        public var sif: SIFFile?
        /// The SIF primary partition served (nil for a plain squashfs file).
        public var partition: SIFDescriptor?
    }

    /// Opens the squashfs of `path` (at offset 0, or inside a SIF file); errors name the file
    /// and the cause.
    public static func open(_ path: String) throws(LaunchError) -> (any ServableImage, ImageLocation) {
        let opened = try openDescribed(path)
        return (opened.squash, opened.location)
    }

    public static func openDescribed(_ path: String) throws(LaunchError) -> Opened {
        // Anything that is not recognisably SIF goes to SquashImage unchanged, which names
        // every other failure (missing, unreadable, a directory, not squashfs, truncated...).
        guard let container = try readSIF(path) else {
            return Opened(squash: try SquashImage(path: path), location: ImageLocation(path: path))
        }
        let partition: SIFDescriptor
        do { partition = try container.sif.primaryPartition() } catch { throw .image(path: path, reason: error.description) }
        let squash: SquashImage
        do {
            squash = try SquashImage(path: path, offset: partition.offset)
        } catch {
            guard case .image(_, let reason) = error else { throw error }
            throw .image(path: path, reason: "the SIF primary partition (offset \(partition.offset)): \(reason)")
        }
        // The file parsed must be the file served: a path swapped in between would have its
        // squashfs read at an offset that was computed for another file.
        var st = stat()
        guard fstat(squash.descriptor, &st) == 0, st.st_dev == container.device, st.st_ino == container.inode else {
            throw .image(path: path, reason: "the file changed while gourd opened it")
        }
        let used = squash.info.bytes_used
        guard used <= partition.size else {
            throw .image(
                path: path, reason: "corrupt SIF file: the squashfs (\(used) bytes) is larger than its partition (\(partition.size) bytes)")
        }
        return Opened(
            squash: squash, location: ImageLocation(path: path, offset: partition.offset),
            sif: container.sif, partition: partition)
    }

    /// The parsed SIF header and descriptors, or nil when `path` is not a readable file that
    /// starts with the SIF magic.
    static func readSIF(_ path: String) throws(LaunchError) -> (sif: SIFFile, device: UInt64, inode: UInt64)? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG || (st.st_mode & S_IFMT) == S_IFBLK else { return nil }
        let end = lseek(fd, 0, SEEK_END)
        guard end >= 0 else { return nil }
        let read: SIF.Reader = { offset, count in Self.pread(fd, offset: offset, count: count) }
        guard let prefix = read(0, SIF.headerSize), SIF.isSIF(prefix) else { return nil }
        do {
            return (try SIF.parse(fileSize: UInt64(end), read: read), UInt64(st.st_dev), UInt64(st.st_ino))
        } catch {
            throw .image(path: path, reason: error.description)
        }
    }

    /// Up to `count` bytes at `offset` (fewer at end of file); nil on a read error.
    static func pread(_ fd: Int32, offset: UInt64, count: Int) -> [UInt8]? {
        try? Syscall.pread(fd, offset: offset, count: count).get()
    }
}
