// libFuzzer harness: the tar reader (ustar, pax, GNU long names) over a layer or archive,
// reading every entry's data, and what each entry's path does to a root (ArchivePath.action).
import GourdCore
import GourdFormats

func fuzzOne(_ bytes: [UInt8]) {
    var reader = TarReader(BytesSource(bytes))
    var buffer = [UInt8](repeating: 0, count: 4096)
    do {
        var entries = 0
        while let entry = try reader.next(), entries < 10_000 {
            entries += 1
            _ = entry.pathString
            if let action = try? ArchivePath.action(entry.path), case .entry(let parts) = action {
                _ = ArchivePath.display(parts)
            }
            if entries % 2 == 0 {
                _ = try buffer.withUnsafeMutableBytes { raw throws(ArchiveError) in try reader.readData(into: raw) }
            } else {
                _ = try reader.drain()
            }
        }
    } catch {
        _ = "\(error)"
    }
}
