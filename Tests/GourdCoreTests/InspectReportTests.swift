import GourdTestFixtures
import Testing

@testable import GourdCore
@testable import GourdFormats

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

@Suite("InspectReport")
struct InspectReportTests {
    static let squashfs = ImageInspection.SquashFS(
        compressionID: 6, major: 4, minor: 0, blockSize: 131_072,
        inodes: 42, bytesUsed: 65_536)
    static let file = ImageInspection.File(path: "/images/app.sqfs", size: 69_632, sha256: String(repeating: "ab", count: 32))

    static func inspect(_ image: FakeImage, sif: ImageInspection.SIF? = nil) -> ImageInspection {
        var inspection = ImageInspection(file: file, sif: sif, squashfs: squashfs)
        inspection.readMetadata(from: image)
        return inspection
    }

    @Test(
        "compression ids are named as squashfs-tools names them",
        arguments: [
            (UInt32(1), "gzip"), (2, "lzma"), (3, "lzo"), (4, "xz"), (5, "lz4"), (6, "zstd"), (0, "unknown (0)"), (99, "unknown (99)"),
        ])
    func compression(id: UInt32, name: String) {
        #expect(ImageInspection.SquashFS.compressionName(id) == name)
    }

    @Test("a bare squashfs: file facts, no metadata, runs /bin/sh")
    func bare() {
        let inspection = Self.inspect(FakeImage(["/bin/sh": .file("")]))
        #expect(inspection.format == "squashfs")
        #expect(inspection.gourd == nil && inspection.apptainer == nil && inspection.warnings.isEmpty)
        #expect(inspection.run == ["/bin/sh"])
        let text = InspectReport.text(inspection)
        #expect(text.contains("file           /images/app.sqfs\n"))
        #expect(text.contains("size           69632 bytes\n"))
        #expect(text.contains("sha256         " + String(repeating: "ab", count: 32) + "\n"))
        #expect(text.contains("format         squashfs\n"))
        #expect(text.contains("squashfs       version 4.0, zstd compression, block size 131072, 42 inodes, 65536 bytes\n"))
        #expect(text.contains("no image metadata"))
    }

    @Test("Apptainer layout: labels, help, runscript, env scripts, definition file")
    func apptainer() throws {
        let image = FakeImage([
            "/.singularity.d/labels.json": .file(#"{"org.label-schema.build-date": "2024-05-01", "count": 3, "flag": true}"#),
            "/.singularity.d/runscript.help": .file("Usage: run me\n"),
            "/.singularity.d/runscript": .file("#!/bin/sh\nexec python \"$@\"\n"),
            "/.singularity.d/env/90-environment.sh": .file(""),
            "/.singularity.d/env/01-base.sh": .file(""),
            "/.singularity.d/Singularity": .file("Bootstrap: docker\nFrom: busybox\n"),
        ])
        let inspection = Self.inspect(image)
        #expect(
            inspection.apptainer
                == ImageInspection.Apptainer(
                    labels: ["org.label-schema.build-date": "2024-05-01", "count": "3", "flag": "true"],
                    help: "Usage: run me\n", runscript: "#!/bin/sh\nexec python \"$@\"\n",
                    environmentScripts: ["/.singularity.d/env/01-base.sh", "/.singularity.d/env/90-environment.sh"],
                    definition: "Bootstrap: docker\nFrom: busybox\n"))
        #expect(inspection.run == ["/.singularity.d/runscript"])
        let text = InspectReport.text(inspection)
        #expect(
            text.contains(
                """
                apptainer metadata (/.singularity.d)
                  labels       count=3
                               flag=true
                               org.label-schema.build-date=2024-05-01
                  env scripts  /.singularity.d/env/01-base.sh
                               /.singularity.d/env/90-environment.sh
                  runscript
                    | #!/bin/sh
                    | exec python "$@"
                  help
                    | Usage: run me
                  definition (/.singularity.d/Singularity)
                    | Bootstrap: docker
                    | From: busybox

                """), "\(text)")
    }

    @Test("gourd metadata with the build provenance fields")
    func gourdProvenance() throws {
        let json = """
            {"schema": 1, "entrypoint": ["/opt/app"], "cmd": ["--help"], "labels": {"a": "b"},
             "recipe": "from: docker://busybox\\n", "bases": [{"source": "docker://busybox:1.36", "digest": "sha256:12ab"}],
             "buildTime": "2024-05-01T12:00:00Z", "gourdVersion": "0.2.0"}
            """
        let inspection = Self.inspect(FakeImage(["/.gourd/image.json": .file(json)]))
        #expect(
            inspection.gourd
                == GourdImageMetadata(
                    entrypoint: ["/opt/app"], cmd: ["--help"], labels: ["a": "b"], recipe: "from: docker://busybox\n",
                    bases: [.init(source: "docker://busybox:1.36", digest: "sha256:12ab")],
                    buildTime: "2024-05-01T12:00:00Z", gourdVersion: "0.2.0"))
        #expect(inspection.run == ["/opt/app", "--help"])
        let text = InspectReport.text(inspection)
        #expect(text.contains("\n  built        2024-05-01T12:00:00Z\n"))
        #expect(text.contains("\n  built by     gourd 0.2.0\n"))
        #expect(text.contains("\n  bases        docker://busybox:1.36 sha256:12ab\n"))
        #expect(text.contains("  recipe\n    | from: docker://busybox\n"))
        #expect(text.contains("run            /opt/app --help\n"))
    }

    @Test("old image.json files without provenance still decode")
    func oldMetadata() throws {
        let inspection = Self.inspect(FakeImage(["/.gourd/image.json": .file(#"{"schema": 1, "cmd": ["ls"]}"#)]))
        #expect(inspection.gourd == GourdImageMetadata(cmd: ["ls"]))
        #expect(inspection.warnings.isEmpty)
    }

    @Test("malformed metadata is a warning; the rest is still reported")
    func malformed() {
        let image = FakeImage([
            "/.gourd/image.json": .file("{not json"),
            "/.singularity.d/labels.json": .file("[1, 2]"),
            "/.singularity.d/runscript": .file("#!/bin/sh\n"),
        ])
        let inspection = Self.inspect(image)
        #expect(inspection.gourd == nil)
        #expect(inspection.apptainer?.runscript == "#!/bin/sh\n")
        #expect(inspection.apptainer?.labels == nil)
        #expect(inspection.warnings.count == 2)
        #expect(inspection.warnings[0].hasPrefix("image metadata /.gourd/image.json: not valid JSON"))
        #expect(inspection.warnings[1].hasPrefix("/.singularity.d/labels.json: not a JSON object of labels"))
        #expect(InspectReport.text(inspection).contains("\nwarnings\n  image metadata /.gourd/image.json"))
    }

    @Test("a runscript larger than the limit is cut, with a warning")
    func bigRunscript() {
        let big = String(repeating: "x", count: ImageInspection.textLimit + 10)
        let inspection = Self.inspect(FakeImage(["/.singularity.d/runscript": .file(big)]))
        #expect(inspection.apptainer?.runscript?.count == ImageInspection.textLimit)
        #expect(inspection.warnings == ["/.singularity.d/runscript: larger than \(ImageInspection.textLimit) bytes, shown cut"])
    }

    @Test("image text cannot drive the terminal")
    func escapes() {
        let image = FakeImage([
            "/.singularity.d/labels.json": .file(#"{"evil": "\u001b]0;owned\u0007", "multi": "a\nb"}"#),
            "/.singularity.d/runscript": .file("echo \u{1b}[2J\tok\n"),
        ])
        let text = InspectReport.text(Self.inspect(image))
        #expect(!text.contains("\u{1b}") && !text.contains("\u{07}"))
        #expect(text.contains("evil=\\u{1b}]0;owned\\u{7}"))
        #expect(text.contains("multi=a\\u{a}b"))
        #expect(text.contains("    | echo \\u{1b}[2J\tok\n"))
    }

    @Test("a SIF file: header facts, partition and objects")
    func sif() throws {
        var builder = SIFBuilder()
        builder.objects = [
            .init(type: 0x4001, id: 1, offset: 32768, size: 32, name: "Singularity"),
            .init(id: 2, offset: 36864, size: 65_536, name: "busybox.sqfs"),
        ]
        let file = try builder.parse()
        let sif = ImageInspection.SIF(file, partition: try file.primaryPartition())
        let inspection = Self.inspect(FakeImage(), sif: sif)
        #expect(inspection.format == "sif")
        let text = InspectReport.text(inspection)
        #expect(text.contains("format         SIF 01: squashfs primary partition at offset 36864, 65536 bytes\n"))
        #expect(text.contains("sif id         b2659d4e-bd50-4ea5-bd17-eec5e54f918e\n"))
        #expect(text.contains("arch           amd64\n"))
        #expect(text.contains("created        2017-09-06T00:25:53Z\n"))
        #expect(text.contains("  1: definition file 'Singularity', 32 bytes at offset 32768\n"))
        #expect(text.contains("  2: primary system partition, squashfs 'busybox.sqfs', 65536 bytes at offset 36864\n"))
    }

    @Test("JSON: one document with every fact, optional parts left out")
    func json() throws {
        var builder = SIFBuilder()
        builder.objects = [.init(id: 1, offset: 32768, size: 8192)]
        let file = try builder.parse()
        var inspection = Self.inspect(
            FakeImage(["/.gourd/image.json": .file(#"{"schema": 1, "cmd": ["ls"]}"#)]),
            sif: ImageInspection.SIF(file, partition: try file.primaryPartition()))
        let text = InspectReport.json(inspection)
        let decoded = try JSONDecoder().decode(ImageInspection.self, from: Data(text.utf8))
        #expect(decoded == inspection)
        #expect(text.contains(#""format" : "sif""#))
        #expect(text.contains(#""partitionOffset" : 32768"#))
        #expect(text.contains(#""compression" : "zstd""#))
        #expect(text.contains(#""path" : "/images/app.sqfs""#))
        #expect(!text.contains("apptainer"))
        inspection.sif = nil
        #expect(!InspectReport.json(inspection).contains("partitionOffset"))
    }
}
