import CGourdImage
import Glibc
import GourdCore
import GourdFormats
import GourdRuntime

/// `Bootstrap: localimage`: a squashfs image or SIF file, extracted into the root.
enum LocalImageSource: BootstrapSource {
    static let agents = ["localimage"]

    static func localBase(_ bootstrap: Recipe.Bootstrap, directory: String) -> String? { bootstrap.from }

    static func run(_ bootstrap: Recipe.Bootstrap, with bootstrapper: Bootstrapper) throws(BuildError) -> BaseImage {
        let from = bootstrap.from ?? ""
        let path = Bootstrapper.resolve(from, directory: bootstrapper.recipeDirectory)
        let opened: ImageFile.Opened
        do { opened = try ImageFile.openDescribed(path) } catch { throw BuildError(error.description) }
        bootstrapper.log.step("bootstrap: localimage \(from)")
        let digest: String
        do { digest = try ImageAdmission.sha256(opened.squash.descriptor, path: path) } catch { throw BuildError(error.description) }
        var inspection = ImageInspection(
            file: .init(path: path, size: 0, sha256: digest), sif: nil,
            squashfs: .init(compressionID: 0, major: 4, minor: 0, blockSize: 0, inodes: 0, bytesUsed: 0))
        inspection.readMetadata(from: opened.squash)
        for warning in inspection.warnings { bootstrapper.log.warning("\(from): \(warning)") }
        var extractor = SquashExtractor(
            image: opened.squash, writer: bootstrapper.writer, log: bootstrapper.log, signals: bootstrapper.signals, what: from)
        try extractor.extract()
        var base = BaseImage(
            gourd: inspection.gourd, apptainerLabels: inspection.apptainer?.labels,
            apptainerHelp: inspection.apptainer?.help)
        base.bases.append(.init(source: "localimage:\(from)", digest: "sha256:\(digest)"))
        return base
    }
}
