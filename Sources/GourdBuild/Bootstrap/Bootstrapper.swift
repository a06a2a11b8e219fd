import CGourdBuild
import CGourdImage
import Glibc
import GourdCore
import GourdRuntime
import GourdFormats

/// Fills the empty root from the recipe's base (`Bootstrap:` agent) and says what the base
/// brings along (run settings, labels, provenance).
struct Bootstrapper {
    let recipe: Recipe
    let recipeDirectory: String
    let workspace: BuildWorkspace
    let log: BuildLog
    let signals: BuildSignals

    var writer: RootWriter { RootWriter(rootFD: workspace.rootFD) }

    /// A path from the recipe, relative to the recipe's directory.
    static func resolve(_ path: String, directory: String) -> String {
        path.hasPrefix("/") ? path : directory + "/" + path
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// Checks, before any work, that the base named in the recipe exists.
    static func check(_ recipe: Recipe, directory: String) throws(BuildError) {
        let from: String
        switch recipe.bootstrap {
        case .scratch, .debootstrap: return
        case .localImage(let path): from = path
        case .dockerArchive(let ref), .ociArchive(let ref), .ociLayout(let ref):
            from = OCIImage.splitReference(ref) { exists(resolve($0, directory: directory)) }.path
        }
        let path = resolve(from, directory: directory)
        guard exists(path) else {
            throw .at(recipe, line: recipe.bootstrapLine, "Bootstrap: \(recipe.bootstrap.agent): \(from): no such file (relative paths start at \(directory))")
        }
    }

    func run() throws(BuildError) -> BaseImage {
        do {
            switch recipe.bootstrap {
            case .scratch:
                log.step("bootstrap: scratch (an empty root)")
                return BaseImage()
            case .localImage(let from):
                return try localImage(from)
            case .dockerArchive(let from):
                return try archive(from, agent: "docker-archive")
            case .ociArchive(let from):
                return try archive(from, agent: "oci-archive")
            case .ociLayout(let from):
                return try archive(from, agent: "oci")
            case .debootstrap(let suite, let mirror, let include):
                return try Debootstrapper(bootstrapper: self).run(suite: suite, mirror: mirror, include: include)
            }
        } catch {
            // Interruptions and system errors keep their own text; base problems point at the header.
            if error.exitCode != GourdExit.launchFailed { throw error }
            throw .at(recipe, line: recipe.bootstrapLine, "Bootstrap: \(recipe.bootstrap.agent): \(error.message)")
        }
    }

    func localImage(_ from: String) throws(BuildError) -> BaseImage {
        let path = Self.resolve(from, directory: recipeDirectory)
        let opened: ImageFile.Opened
        do { opened = try ImageFile.openDescribed(path) } catch { throw BuildError(error.description) }
        log.step("bootstrap: localimage \(from)")
        let digest: String
        do { digest = try ImageAdmission.sha256(opened.squash.descriptor, path: path) } catch { throw BuildError(error.description) }
        var inspection = ImageInspection(file: .init(path: path, size: 0, sha256: digest), sif: nil,
                                         squashfs: .init(compressionID: 0, major: 4, minor: 0, blockSize: 0, inodes: 0, bytesUsed: 0))
        inspection.readMetadata(from: opened.squash)
        for warning in inspection.warnings { log.warning("\(from): \(warning)") }
        var extractor = SquashExtractor(image: opened.squash, writer: writer, log: log, signals: signals, what: from)
        try extractor.extract()
        var base = BaseImage(gourd: inspection.gourd, apptainerLabels: inspection.apptainer?.labels,
                             apptainerHelp: inspection.apptainer?.help)
        base.bases.append(.init(source: "localimage:\(from)", digest: "sha256:\(digest)"))
        return base
    }

    func archive(_ from: String, agent: String) throws(BuildError) -> BaseImage {
        let (relative, ref) = OCIImage.splitReference(from) { Self.exists(Self.resolve($0, directory: recipeDirectory)) }
        let path = Self.resolve(relative, directory: recipeDirectory)
        let store: BlobStore
        let image: ArchiveImage
        if agent == "oci" {
            store = DirectoryStore(path: path, name: relative)
            image = try ArchiveImage.oci(store, ref: ref)
        } else {
            store = try TarIndex(path: try plainTar(path, name: relative), name: relative)
            image = agent == "docker-archive" ? try ArchiveImage.docker(store, ref: ref) : try ArchiveImage.oci(store, ref: ref)
        }
        log.step("bootstrap: \(agent) \(from) (\(image.layers.count) layer\(image.layers.count == 1 ? "" : "s"), \(image.digest))")
        if let os = image.config.os, os != "linux" { throw BuildError("\(relative): the image is for \(os), not linux") }
        if let arch = image.config.architecture, arch != OCIImage.hostArchitecture {
            log.warning("\(relative): the image is for \(arch); this host is \(OCIImage.hostArchitecture): %post will fail to run its programs")
        }
        try ArchiveApplier(store: store, image: image, writer: writer, log: log, signals: signals).apply()
        var base = OCIImage.base(from: image.config)
        base.bases = [.init(source: "\(agent):\(from)", digest: image.digest)]
        return base
    }

    /// The archive itself if it is a plain tar; a compressed one (`docker save | gzip`) is
    /// first decompressed into the workspace, since members are read in place.
    func plainTar(_ path: String, name: String) throws(BuildError) -> String {
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
            var source = try DecodingSource(FileRegionSource(fd: fd, offset: 0, count: UInt64(st.st_size), what: name),
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
