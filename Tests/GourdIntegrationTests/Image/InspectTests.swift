import Foundation
import GourdCore
import Testing

/// `gourd inspect`, human and JSON, on squashfs and SIF files, run as the ordinary user.
extension Integration {
    @Suite struct Inspect {
        static func size(_ path: String) throws -> UInt64 {
            (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.uint64Value ?? 0
        }

        func json(_ path: String) throws -> ImageInspection {
            let out = try Gourd.run(["inspect", "--json", path])
            #expect(out.status == 0, "\(out)")
            #expect(out.stderr.isEmpty, "\(out)")
            return try JSONDecoder().decode(ImageInspection.self, from: Data(out.stdout.utf8))
        }

        @Test(arguments: [("busybox-zstd.sqfs", "zstd"), ("busybox-gzip.sqfs", "gzip")])
        func squashfsText(name: String, compression: String) throws {
            let path = Gourd.env.image(name)
            let out = try Gourd.run(["inspect", path])
            #expect(out.status == 0, "\(out)")
            let text = out.stdout
            #expect(text.contains("file           \(path)\n"), "\(out)")
            #expect(text.contains("size           \(try Self.size(path)) bytes\n"), "\(out)")
            #expect(text.contains("sha256         \(try sha256sum(path))\n"), "\(out)")
            #expect(text.contains("format         squashfs\n"), "\(out)")
            #expect(text.contains("squashfs       version 4.0, \(compression) compression, block size 131072, "), "\(out)")
            #expect(text.contains("no image metadata"), "\(out)")
            expectNothingLeft()
        }

        @Test func squashfsJSON() throws {
            let path = Gourd.env.image("gourd-meta.sqfs")
            let inspection = try json(path)
            #expect(inspection.format == "squashfs")
            #expect(inspection.sif == nil)
            #expect(inspection.file == .init(path: path, size: try Self.size(path), sha256: try sha256sum(path)))
            #expect(inspection.squashfs.compression == "zstd")
            #expect(inspection.squashfs.inodes > 100, "busybox applets")
            #expect(inspection.gourd?.entrypoint == ["/bin/echo", "entry:"])
            #expect(inspection.gourd?.labels == ["org.example.name": "test"])
            #expect(inspection.run == ["/bin/echo", "entry:", "default", "cmd"])
        }

        @Test func sifText() throws {
            let path = Gourd.env.image("apptainer.sif")
            let out = try Gourd.run(["inspect", path])
            #expect(out.status == 0, "\(out)")
            let text = out.stdout
            #expect(text.contains("format         SIF 01: squashfs primary partition at offset 36864, "), "\(out)")
            #expect(text.contains("sha256         \(try sha256sum(path))\n"), "\(out)")
            #expect(text.contains("sif id         b2659d4e-bd50-4ea5-bd17-eec5e54f918e\n"), "\(out)")
            #expect(text.contains("arch           amd64\n"), "\(out)")
            #expect(text.contains("created        2017-09-06T00:25:53Z\n"), "\(out)")
            #expect(text.contains("gzip compression"), "\(out)")
            #expect(text.contains("  labels       org.example.purpose=gourd tests\n"), "\(out)")
            #expect(text.contains("  env scripts  /.singularity.d/env/90-environment.sh\n"), "\(out)")
            #expect(text.contains("  runscript\n    | #!/bin/sh\n    | echo \"apptainer runscript: $*\"\n"), "\(out)")
            #expect(text.contains("  help\n    | Prints its arguments.\n"), "\(out)")
            #expect(text.contains("  definition (/.singularity.d/Singularity)\n    | Bootstrap: docker\n"), "\(out)")
            expectNothingLeft()
        }

        @Test func sifJSON() throws {
            let path = Gourd.env.image("apptainer.sif")
            let inspection = try json(path)
            #expect(inspection.format == "sif")
            #expect(inspection.file == .init(path: path, size: try Self.size(path), sha256: try sha256sum(path)))
            #expect(inspection.sif?.partitionOffset == 36864)
            #expect(inspection.sif?.partitionSize == (try Self.size(Gourd.env.image("apptainer-full.sqfs"))))
            #expect(inspection.sif?.objects.map(\.type) == ["definition file", "primary system partition, squashfs"])
            #expect(inspection.squashfs.compression == "gzip")
            #expect(inspection.apptainer?.labels?["org.label-schema.schema-version"] == "1.0")
            #expect(inspection.apptainer?.help == "Prints its arguments.\n")
            #expect(inspection.apptainer?.definition?.hasPrefix("Bootstrap: docker\nFrom: busybox\n") == true)
            #expect(inspection.run == ["/.singularity.d/runscript"])
            #expect(inspection.warnings.isEmpty)
        }

        @Test(arguments: [
            ("not-squashfs.sqfs", "not a squashfs image"),
            ("truncated.sqfs", "truncated"),
            ("no-such-image.sqfs", "no such file"),
            ("sif-ext3.sif", "the SIF primary partition is ext3"),
        ])
        func badImageIsExit125NamingTheFile(name: String, reason: String) throws {
            let path = Gourd.env.image(name)
            for json in [[], ["--json"]] {
                let out = try Gourd.run(["inspect"] + json + [path])
                #expect(out.status == GourdExit.launchFailed, "\(out)")
                #expect(out.stderr.hasPrefix("gourd: image \(path): \(reason)"), "\(out)")
                #expect(out.stdout.isEmpty, "\(out)")
            }
        }
    }
}
