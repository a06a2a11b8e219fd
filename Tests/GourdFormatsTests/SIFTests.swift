import GourdTestFixtures
import Testing

@testable import GourdFormats

func sifError(_ builder: SIFBuilder, primary: Bool = true) -> SIFError? {
    do {
        let file = try builder.parse()
        if primary { _ = try file.primaryPartition() }
        return nil
    } catch {
        return error
    }
}

@Suite("SIFTests")
struct SIFTests {
    @Test("the header and the primary squashfs partition are found")
    func primary() throws {
        var builder = SIFBuilder()
        builder.objects = [
            .init(type: 0x4001, id: 1, offset: 32768, size: 100, name: "Singularity"),
            .init(id: 2, offset: 36864, size: 8192),
            .init(type: 0x4005, id: 3, offset: 45056, size: 600, name: "sig"),
        ]
        let file = try builder.parse()
        #expect(file.id == "b2659d4e-bd50-4ea5-bd17-eec5e54f918e")
        #expect(file.arch == "amd64")
        #expect(file.version == "01")
        #expect(file.created == 1_504_657_553)
        #expect(file.modified == 1_504_657_653)
        #expect(file.descriptors.map(\.type) == [.definitionFile, .partition, .signature])
        #expect(file.descriptors[0].name == "Singularity")
        let partition = try file.primaryPartition()
        #expect(partition.offset == 36864)
        #expect(partition.size == 8192)
        #expect(partition.id == 2)
        #expect(partition.partition == SIFPartition(fileSystem: .squashfs, type: .primarySystem, archCode: "02"))
    }

    @Test("only the SIF magic at offset 32 makes a SIF file")
    func detection() {
        let bytes = SIFBuilder().bytes
        #expect(SIF.isSIF(Array(bytes.prefix(128))))
        #expect(SIF.isSIF(Array(bytes.prefix(42))))
        #expect(!SIF.isSIF(Array(bytes.prefix(41))))
        #expect(!SIF.isSIF(Array("hsqs".utf8) + [UInt8](repeating: 0, count: 124)))
        var custom = bytes
        custom.replaceSubrange(0..<32, with: SIFBuilder.text("#!/bin/sh\n", 32))
        #expect(SIF.isSIF(custom))
    }

    @Test("unused descriptors are skipped, other partitions are ignored")
    func unusedAndOverlay() throws {
        var builder = SIFBuilder()
        builder.objects = [
            .init(used: false, id: 9, offset: 0, size: 0),
            .init(id: 2, offset: 32768, size: 4096, partitionType: 4),
            .init(id: 3, offset: 36864, size: 4096),
        ]
        let file = try builder.parse()
        #expect(file.descriptors.map(\.id) == [2, 3])
        #expect(try file.primaryPartition().offset == 36864)
    }

    @Test(
        "a primary partition that is not squashfs is refused with its file system named",
        arguments: [
            (Int32(2), "the SIF primary partition is ext3, not squashfs: gourd serves only squashfs"),
            (Int32(4), "the SIF primary partition is raw data, not squashfs: gourd serves only squashfs"),
            (Int32(5), "the SIF primary partition is encrypted squashfs (encryptfs): gourd cannot decrypt it"),
            (Int32(77), "the SIF primary partition is file system type 77, not squashfs: gourd serves only squashfs"),
        ])
    func unsupportedFileSystem(fileSystem: Int32, message: String) {
        var builder = SIFBuilder()
        builder.objects[0].fileSystem = fileSystem
        #expect(sifError(builder)?.description == message)
    }

    @Test("no primary partition: the error lists what the file has")
    func noPrimary() {
        var builder = SIFBuilder()
        builder.objects[0].partitionType = 1
        #expect(sifError(builder) == .noPrimaryPartition(partitions: ["system squashfs"]))
        #expect(sifError(builder)?.description == "SIF file without a primary system partition (it has: system squashfs)")
        builder.objects = [.init(type: 0x4001, offset: 32768, size: 10)]
        #expect(sifError(builder)?.description == "SIF file without a primary system partition (it has no partition)")
        builder.objects = []
        #expect(sifError(builder) == .noPrimaryPartition(partitions: []))
    }

    @Test("two primary partitions, or an empty one, are corrupt")
    func twoPrimaries() {
        var builder = SIFBuilder()
        builder.objects = [.init(id: 1, offset: 32768, size: 4096), .init(id: 2, offset: 36864, size: 4096)]
        #expect(sifError(builder) == .corrupt("it has 2 primary system partitions"))
        builder.objects = [.init(offset: 32768, size: 0)]
        #expect(sifError(builder) == .corrupt("its primary partition is empty"))
    }

    @Test("a partition past the end of the file is truncation")
    func truncatedPartition() {
        var builder = SIFBuilder()
        builder.fileSize = 32768 + 4096
        #expect(
            sifError(builder, primary: false)
                == .truncated("descriptor 0 (id 1, partition) ends at byte 40960 but the file has 36864 bytes"))
    }

    @Test("a file shorter than the header or the descriptor table is truncation")
    func truncatedHeaderOrTable() {
        var builder = SIFBuilder()
        builder.objects = []
        builder.fileSize = 100
        #expect(sifError(builder, primary: false) == .truncated("the file is shorter than the 128-byte SIF header"))
        builder.fileSize = 5000
        #expect(
            sifError(builder, primary: false)
                == .truncated("the descriptor table (48 entries at offset 4096) runs past the end of the file (5000 bytes)"))
    }

    @Test(
        "absurd descriptor counts are refused before anything is read",
        arguments: [
            Int64(-1), Int64(4097), Int64.max, Int64.min, Int64(1) << 40,
        ])
    func absurdCounts(total: Int64) {
        var builder = SIFBuilder()
        builder.total = total
        builder.free = 0
        #expect(
            sifError(builder, primary: false)
                == .corrupt("the header claims \(total) descriptors (at most 4096 are accepted)"))
    }

    @Test("a free count above the total is corrupt")
    func badFree() {
        var builder = SIFBuilder()
        builder.free = 49
        #expect(sifError(builder, primary: false) == .corrupt("the header claims 49 free descriptors of 48"))
    }

    @Test(
        "descriptor tables that overlap the header or run off the file",
        arguments: [
            Int64(0), Int64(127), Int64(-4096), Int64.max, Int64.min,
        ])
    func badTableOffset(offset: Int64) {
        var builder = SIFBuilder()
        builder.tableOffset = offset
        let error = sifError(builder, primary: false)
        if offset < 128 {
            #expect(error == .corrupt("the descriptor table offset \(offset) overlaps the header"))
        } else {
            #expect(
                error == .truncated("the descriptor table (48 entries at offset \(offset)) runs past the end of the file (40960 bytes)"))
        }
    }

    @Test(
        "hostile offsets and sizes in a descriptor never crash",
        arguments: [
            (Int64(-1), Int64(10)), (Int64(32768), Int64(-1)), (Int64.max, Int64.max), (Int64.max, Int64(1)),
            (Int64(32768), Int64.max), (Int64.min, Int64.min), (Int64(1) << 62, Int64(1) << 62),
        ])
    func hostileObject(offset: Int64, size: Int64) {
        var builder = SIFBuilder()
        builder.objects = [.init(offset: offset, size: size)]
        builder.fileSize = 40960
        let error = sifError(builder)
        switch error {
        case .corrupt?, .truncated?: break
        default: Issue.record("expected corrupt or truncated, got \(String(describing: error))")
        }
    }

    @Test("an object inside the header or the descriptor table is corrupt")
    func objectOverTable() {
        var builder = SIFBuilder()
        builder.objects = [.init(offset: 4096, size: 100)]
        #expect(
            sifError(builder)
                == .corrupt(
                    "descriptor 0 (id 1, partition) at offset 4096 overlaps the SIF header or descriptor table (which end at 32176)"))
    }

    @Test("overlapping objects are corrupt")
    func overlapping() {
        var builder = SIFBuilder()
        builder.objects = [
            .init(type: 0x4001, id: 1, offset: 32768, size: 5000, name: "def"),
            .init(id: 2, offset: 36864, size: 4096),
        ]
        #expect(sifError(builder) == .corrupt("data objects of descriptors 0 and 1 overlap"))
    }

    @Test("only SIF version 01 is read")
    func version() {
        var builder = SIFBuilder()
        builder.version = "02"
        #expect(sifError(builder) == .unsupportedVersion("02"))
    }

    @Test("unknown architectures and data types are named, not refused")
    func unknownNames() throws {
        var builder = SIFBuilder()
        builder.arch = "99"
        builder.objects.append(.init(type: 0x4042, id: 2, offset: 40960, size: 10, name: "x"))
        let file = try builder.parse()
        #expect(file.arch == "unknown (code 99)")
        #expect(file.descriptors[1].type.description == "data type 0x4042")
    }

    @Test("a reader that fails is truncation, not a crash")
    func failingReader() {
        let bytes = SIFBuilder().bytes
        do throws(SIFError) {
            _ = try SIF.parse(fileSize: UInt64(bytes.count)) { offset, count in
                offset == 0 ? Array(bytes.prefix(count)) : nil
            }
            Issue.record("expected an error")
        } catch {
            #expect(error == .truncated("the descriptor table cannot be read in full"))
        }
    }

    /// Every single-byte change of the header and the first descriptors parses or fails
    /// cleanly: no trap, no huge allocation.
    @Test("byte flips in the header and descriptors never crash")
    func byteFlips() {
        let original = SIFBuilder().bytes
        let positions = Array(0..<128) + Array(4096..<(4096 + 2 * 585))
        for position in positions {
            for value: UInt8 in [0x00, 0x01, 0x7f, 0x80, 0xff] {
                var bytes = original
                bytes[position] = value
                _ = try? SIF.parse(fileSize: UInt64(bytes.count)) { offset, count in
                    guard offset <= UInt64(bytes.count) else { return [] }
                    return Array(bytes[Int(offset)...].prefix(count))
                }.primaryPartition()
            }
        }
    }

    @Test(
        "RFC 3339 times in UTC",
        arguments: [
            (Int64(0), "1970-01-01T00:00:00Z"), (Int64(1_504_657_553), "2017-09-06T00:25:53Z"),
            (Int64(951_782_400), "2000-02-29T00:00:00Z"), (Int64(-1), "1969-12-31T23:59:59Z"),
            (Int64(253_402_300_799), "9999-12-31T23:59:59Z"), (Int64(-62_167_219_200), "0000-01-01T00:00:00Z"),
            (Int64.max, "@9223372036854775807"), (Int64.min, "@-9223372036854775808"),
        ])
    func rfc3339(seconds: Int64, text: String) {
        #expect(RFC3339.utc(seconds) == text)
    }
}
