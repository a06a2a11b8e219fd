import CGourdImage
import Glibc
import GourdCore

/// An open squashfs image: read by the planner (ImageView) and then served over FUSE.
/// Single-threaded use only (libsquashfuse's caches are unlocked).
public final class SquashImage: ServableImage {
    public let path: String
    package let handle: OpaquePointer
    private let root: UInt64

    /// Opens the squashfs at `offset` of `path`; errors name the file and the cause.
    public init(path: String, offset: UInt64 = 0) throws(LaunchError) {
        self.path = path
        // libsquashfuse trusts some of the image's fields: a crash while reading it says so.
        gd_image_report_crashes(path)
        var out: OpaquePointer?
        let rc = gd_image_open(path, offset, &out)
        guard rc == 0, let out else { throw .image(path: path, reason: Self.describe(openFailure: -rc)) }
        handle = out
        root = gd_image_root(out)
    }

    deinit { gd_image_close(handle) }

    /// The image file's descriptor (close-on-exec), for checks on exactly the file served.
    public var descriptor: Int32 { gd_image_fd(handle) }

    static func describe(openFailure code: Int32) -> String {
        switch code {
        case Int32(GD_IMAGE_EFORMAT): return "not a squashfs image"
        case Int32(GD_IMAGE_EVERSION): return "unsupported squashfs version (only 4.0 is supported)"
        case Int32(GD_IMAGE_ECOMP): return "unsupported compression (this libsquashfuse lacks its decompressor)"
        case Int32(GD_IMAGE_ETRUNC): return "truncated: the file is shorter than its superblock says"
        case Int32(GD_IMAGE_EUNSUP): return "uses a squashfs feature libsquashfuse does not support"
        case Int32(GD_IMAGE_ECORRUPT): return "corrupt: its tables cannot be read"
        case ENOENT: return "no such file"
        case EISDIR: return "is a directory, not an image file"
        case EACCES: return "permission denied"
        default: return String(cString: strerror(code))
        }
    }

    public var info: gd_image_info {
        var info = gd_image_info()
        gd_image_get_info(handle, &info)
        return info
    }

    // MARK: ServableImage

    public func mountFUSE(
        at target: String, name: String, addedMountPoints: [AddedMountPoint], serving: ServingPlan
    )
        throws(LaunchError) -> OpaquePointer
    {
        for point in addedMountPoints {
            let rc = gd_image_add_path(handle, point.path, point.isDirectory ? 1 : 0)
            if rc < 0 { throw .system(SystemError("add mount point (FUSE)", path: point.path, result: rc), hint: nil) }
        }
        var fuse: OpaquePointer?
        var message = [CChar](repeating: 0, count: 256)
        let rc = gd_fuse_mount_with(
            handle, target, name, UInt32(serving.threads), UInt64(serving.cacheMiB) << 20,
            &fuse, &message, message.count)
        guard rc == 0, let fuse else {
            let hint = rc == -EACCES || rc == -EPERM || rc == -ENOENT ? "/dev/fuse is not usable; run 'gourd check'" : nil
            throw .system(SystemError("FUSE mount of \(name) on", path: target, result: rc), hint: hint)
        }
        gd_fuse_set_spin(fuse, UInt32(serving.spinMicroseconds))
        return fuse
    }

    // MARK: ImageView

    public func kind(_ path: String) -> FileKind? {
        guard let node = resolve(path), let st = stat(node) else { return nil }
        switch st.mode & UInt32(S_IFMT) {
        case UInt32(S_IFDIR): return .directory
        case UInt32(S_IFREG): return .file
        default: return .other
        }
    }

    public func read(_ path: String, offset: UInt64, count: Int) -> [UInt8]? {
        guard let node = resolve(path), let st = stat(node), st.mode & UInt32(S_IFMT) == UInt32(S_IFREG) else { return nil }
        guard offset < st.size else { return [] }
        let size = Int(min(st.size - offset, UInt64(max(count, 0))))
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            var len = size - done
            let rc = bytes.withUnsafeMutableBytes { gd_image_read(handle, node, offset + UInt64(done), $0.baseAddress! + done, &len) }
            guard rc == 0 else { return nil }
            if len == 0 { break }
            done += len
        }
        return Array(bytes.prefix(done))
    }

    public func list(_ path: String) -> [String]? {
        guard let node = resolve(path) else { return nil }
        final class Names { var list: [String] = [] }
        let names = Names()
        let rc = withExtendedLifetime(names) {
            gd_image_list(
                handle, node,
                { context, name, _ in
                    let names = Unmanaged<Names>.fromOpaque(context!).takeUnretainedValue()
                    names.list.append(String(cString: name!))
                    return 0
                }, Unmanaged.passUnretained(names).toOpaque())
        }
        return rc == 0 ? names.list : nil
    }

    // MARK: resolution inside the image

    package func stat(_ node: UInt64) -> gd_image_attr? {
        var st = gd_image_attr()
        return gd_image_getattr(handle, node, &st) == 0 ? st : nil
    }

    /// Resolves `path` component by component inside the image, following symlinks (absolute
    /// ones from the image root, ".." never above it), at most 40 of them as the kernel does.
    func resolve(_ path: String) -> UInt64? {
        var pending = path.split(separator: "/").map(String.init)
        var stack: [UInt64] = [root]
        var links = 0
        while !pending.isEmpty {
            let name = pending.removeFirst()
            if name == "." { continue }
            if name == ".." {
                if stack.count > 1 { stack.removeLast() }
                continue
            }
            var child: UInt64 = 0
            guard gd_image_lookup(handle, stack.last!, name, &child) == 0, let st = stat(child) else { return nil }
            if st.mode & UInt32(S_IFMT) == UInt32(S_IFLNK) {
                links += 1
                guard links <= 40, let target = readlink(child) else { return nil }
                if target.hasPrefix("/") { stack = [root] }
                pending = target.split(separator: "/").map(String.init) + pending
                continue
            }
            stack.append(child)
        }
        return stack.last
    }

    func readlink(_ node: UInt64) -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        var len = buffer.count
        let rc = buffer.withUnsafeMutableBytes { gd_image_readlink(handle, node, $0.baseAddress, &len) }
        return rc == 0 ? String(decoding: buffer.prefix(len), as: UTF8.self) : nil
    }
}
