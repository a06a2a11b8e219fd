import Glibc
import GourdCore
import GourdFormats

/// `gourd inspect`: the facts only the open file can give (size, digest, superblock), then the
/// metadata read through the image itself.
public enum ImageInspector {
    public static func inspect(_ path: String) throws(LaunchError) -> ImageInspection {
        let opened = try ImageFile.openDescribed(path)
        let fd = opened.squash.descriptor
        let end = lseek(fd, 0, SEEK_END)
        guard end >= 0 else { throw .system(SystemError("lseek", path: path, errno: .init(rawValue: errno)), hint: nil) }
        // The digest of exactly the file served (not of a path that could be swapped).
        let digest = try ImageAdmission.sha256(fd, path: path)
        let info = opened.squash.info
        let squashfs = ImageInspection.SquashFS(
            compressionID: info.compression, major: info.major, minor: info.minor,
            blockSize: info.block_size, inodes: info.inodes, bytesUsed: info.bytes_used)
        var sif: ImageInspection.SIF?
        if let file = opened.sif, let partition = opened.partition { sif = ImageInspection.SIF(file, partition: partition) }
        var inspection = ImageInspection(file: .init(path: path, size: UInt64(end), sha256: digest), sif: sif, squashfs: squashfs)
        inspection.readMetadata(from: opened.squash)
        return inspection
    }

    /// The text of each /.singularity.d/env script, in name order (`inspect --environment`).
    public static func environmentScripts(_ path: String) throws(LaunchError) -> [(String, String)] {
        let opened = try ImageFile.openDescribed(path)
        let metadata = (try? ImageMetadata.read(from: opened.squash)) ?? ImageMetadata()
        return metadata.apptainerEnvScripts.compactMap { script in
            opened.squash.readFile(script, limit: ImageInspection.textLimit).map { (script, String(decoding: $0, as: UTF8.self)) }
        }
    }
}
