import GourdFormats

/// The image's C library, to compare with what the host's driver files need.
struct ImageGlibc {
    var path: String
    var version: GlibcVersion

    static let candidates = [
        "/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/lib64/libc.so.6",
        "/usr/lib64/libc.so.6", "/lib/aarch64-linux-gnu/libc.so.6", "/usr/lib/aarch64-linux-gnu/libc.so.6",
        "/lib/libc.so.6", "/usr/lib/libc.so.6",
    ]

    static func find(in image: any ImageView) -> ImageGlibc? {
        for path in candidates where image.kind(path) == .file {
            let reader: ELFVersions.Reader = { offset, count in image.read(path, offset: offset, count: count) }
            if let version = ELFVersions.definedGlibc(reader) { return ImageGlibc(path: path, version: version) }
        }
        return nil
    }
}
