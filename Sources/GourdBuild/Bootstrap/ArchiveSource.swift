import CGourdBuild
import Glibc
import GourdCore
import GourdFormats
import GourdRuntime

/// `Bootstrap: docker-archive`, `oci-archive` and `oci`: an image's layers applied in order
/// (whiteouts and opaque directories as the OCI image spec says), its config kept as the
/// base's run settings. `From:` may name one image of several (`PATH:REPO:TAG`, `PATH:REF`).
enum ArchiveSource: BootstrapSource {
    static let agents = ["docker-archive", "oci-archive", "oci"]

    static func localBase(_ bootstrap: Recipe.Bootstrap, directory: String) -> String? {
        bootstrap.from.map { OCIImage.splitReference($0) { Bootstrapper.exists(Bootstrapper.resolve($0, directory: directory)) }.path }
    }

    static func run(_ bootstrap: Recipe.Bootstrap, with bootstrapper: Bootstrapper) throws(BuildError) -> BaseImage {
        let from = bootstrap.from ?? ""
        let agent = bootstrap.agent
        let recipeDirectory = bootstrapper.recipeDirectory
        let log = bootstrapper.log
        let (relative, ref) = OCIImage.splitReference(from) { Bootstrapper.exists(Bootstrapper.resolve($0, directory: recipeDirectory)) }
        let path = Bootstrapper.resolve(relative, directory: recipeDirectory)
        let store: BlobStore
        let image: ArchiveImage
        if agent == "oci" {
            store = DirectoryStore(path: path, name: relative)
            image = try ArchiveImage.oci(store, ref: ref)
        } else {
            store = try TarIndex(path: try plainTar(path, name: relative, with: bootstrapper), name: relative)
            image = agent == "docker-archive" ? try ArchiveImage.docker(store, ref: ref) : try ArchiveImage.oci(store, ref: ref)
        }
        log.step("bootstrap: \(agent) \(from) (\(image.layers.count) layer\(image.layers.count == 1 ? "" : "s"), \(image.digest))")
        return try bootstrapper.apply(image, from: store, name: relative, source: "\(agent):\(from)", digest: image.digest)
    }

    /// The archive itself if it is a plain tar; a compressed one (`docker save | gzip`) is
    /// first decompressed into the workspace, since members are read in place.
    static func plainTar(_ path: String, name: String, with bootstrapper: Bootstrapper) throws(BuildError) -> String {
        let log = bootstrapper.log
        let workspace = bootstrapper.workspace
        let signals = bootstrapper.signals
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system("open", path: name, errno: errno) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .system("stat", path: name, errno: errno) }
        guard st.st_mode & S_IFMT == S_IFREG else { throw BuildError("\(name): not a regular file") }
        var prefix = [UInt8](repeating: 0, count: 6)
        let got = prefix.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 6, 0) }
        let compression = Compression.detect(Array(prefix.prefix(max(got, 0))))
        if compression == .none { return path }
        guard compression == .gzip || compression == .zstd else {
            throw BuildError("\(name): \(compression) archives are not supported (plain, gzip or zstd)")
        }
        log.step("decompressing \(name)")
        let output = workspace.path + "/archive.tar"
        let out = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard out >= 0 else { throw .system("open", path: output, errno: errno) }
        defer { close(out) }
        do {
            var source = try DecodingSource(
                FileRegionSource(fd: fd, offset: 0, count: UInt64(st.st_size), what: name),
                compression: compression, what: name)
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            var total: UInt64 = 0
            while true {
                let n = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
                if n == 0 { break }
                let rc = buffer.withUnsafeBytes { gb_write_all(out, $0.baseAddress, n) }
                guard rc == 0 else { throw BuildError.system("write", path: output, result: rc) }
                total += UInt64(n)
                log.progress("decompressing \(name): \(BuildLog.size(total))")
                try signals.check()
            }
        } catch let error as BuildError {
            throw error
        } catch let error as ArchiveError {
            throw BuildError(error.message)
        } catch {
            throw BuildError("\(name): \(error)")
        }
        log.progressDone()
        return output
    }
}
