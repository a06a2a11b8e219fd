import Foundation
import GourdCore
import Testing

/// SIF files (Tests/Support/make-sif.py around the mksquashfs images): the primary squashfs
/// partition is served in place at its offset; broken files are clear errors, nothing left.
extension Integration {
    @Suite struct SIFImages {
        /// Where the squashfs lies in a SIF file, found independently of gourd: the first
        /// 4096-aligned "hsqs" after the 32 KiB of header and descriptors.
        static func squashfsOffset(_ path: String) throws -> UInt64 {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let magic = Array("hsqs".utf8)
            for offset in stride(from: 32768, to: bytes.count - 4, by: 4096) where Array(bytes[offset..<offset + 4]) == magic {
                return UInt64(offset)
            }
            throw HarnessError.spawn(ENOENT)
        }

        @Test func execRunsInsideTheSIFPartition() throws {
            let image = Gourd.env.image("busybox.sif")
            let out = try Gourd.run([
                "exec", image, "sh", "-c", "echo \"in $GOURD_CONTAINER\"; grep -c . /etc/passwd >/dev/null && echo ok",
            ])
            #expect(out.status == 0, "\(out)")
            #expect(out.lines == ["in \(image)", "ok"], "\(out)")
            expectNothingLeft()
        }

        @Test func runUsesTheRunscriptOfTheSIF() throws {
            let out = try Gourd.run(["run", Gourd.env.image("apptainer.sif"), "a", "b c"])
            #expect(out.status == 0, "\(out)")
            #expect(out.lines == ["apptainer runscript: a b c"], "\(out)")
            expectNothingLeft()
        }

        @Test func workloadStatusPassesThrough() throws {
            let out = try Gourd.run(["exec", Gourd.env.image("busybox.sif"), "sh", "-c", "exit 7"])
            #expect(out.status == 7, "\(out)")
        }

        @Test func planShowsThePartitionOffset() throws {
            struct Printed: Decodable {
                struct Image: Decodable {
                    var path: String
                    var offset: UInt64
                }
                var image: Image
            }
            let image = Gourd.env.image("busybox.sif")
            let expected = try Self.squashfsOffset(image)
            #expect(expected == 36864, "make-sif.py puts the partition after a one-page definition file")
            let out = try Gourd.run(["plan", "--json", image, "true"])
            #expect(out.status == 0, "\(out)")
            let plan = try JSONDecoder().decode(Printed.self, from: Data(out.stdout.utf8))
            #expect(plan.image.path == image)
            #expect(plan.image.offset == expected)
            let text = try Gourd.run(["plan", image, "true"])
            #expect(text.stdout.contains("image      \(image) (squashfs at offset \(expected))"), "\(text)")
            // A plain squashfs file stays at offset 0.
            let plain = try Gourd.run(["plan", "--json", Gourd.env.image("busybox-zstd.sqfs"), "true"])
            #expect(try JSONDecoder().decode(Printed.self, from: Data(plain.stdout.utf8)).image.offset == 0)
        }

        @Test(arguments: [
            ("sif-ext3.sif", "the SIF primary partition is ext3, not squashfs: gourd serves only squashfs"),
            ("sif-encrypted.sif", "the SIF primary partition is encrypted squashfs (encryptfs): gourd cannot decrypt it"),
            ("sif-no-primary.sif", "SIF file without a primary system partition (it has: system squashfs)"),
            ("sif-truncated.sif", "truncated SIF file: descriptor 0 (id 1, partition) ends at byte"),
            ("sif-bad-count.sif", "corrupt SIF file: the header claims 1099511627776 descriptors"),
        ])
        func badSIFIsAClearErrorWithNothingLeft(name: String, reason: String) throws {
            let path = Gourd.env.image(name)
            for command in [["exec", path, "true"], ["run", path], ["plan", path], ["inspect", path]] {
                let out = try Gourd.run(command)
                #expect(out.status == GourdExit.launchFailed, "\(command): \(out)")
                #expect(out.stderr.hasPrefix("gourd: image \(path): \(reason)"), "\(command): \(out)")
                #expect(out.stderr.split(separator: "\n").count == 1, "one line: \(out)")
                #expect(out.stdout.isEmpty, "\(out)")
            }
            expectNothingLeft()
        }

        @Test func sifNamedLikeSquashfsIsStillRecognised() throws {
            let dir = Scratch.shared.directory("sif-name")
            let path = dir + "/image.sqfs"
            try FileManager.default.copyItem(atPath: Gourd.env.image("busybox.sif"), toPath: path)
            Scratch.shared.chownToUser(path)
            let out = try Gourd.run(["exec", path, "true"])
            #expect(out.status == 0, "\(out)")
            expectNothingLeft()
        }
    }
}
