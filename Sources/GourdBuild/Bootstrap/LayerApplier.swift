import CGourdBuild
import Glibc
import GourdCore
import GourdFormats
import GourdRuntime

/// Applies image layers (tar streams) to the root, in order, as the OCI image spec's
/// "Applying Changesets" says: entries are created or replace what lower layers had;
/// `.wh.NAME` deletes NAME from lower layers, `.wh..wh..opq` hides everything lower layers put
/// in its directory. Entries of the layer being applied are never hidden by its own whiteouts.
struct LayerApplier {
    let writer: RootWriter
    let log: BuildLog
    let signals: BuildSignals
    /// What could not be applied unprivileged (device nodes), counted for one warning.
    var skippedDevices = 0
    var skippedOther: [String] = []

    init(writer: RootWriter, log: BuildLog, signals: BuildSignals) {
        self.writer = writer
        self.log = log
        self.signals = signals
    }

    /// Applies one layer. `what` names it in messages ("layer 2/5 of busybox.tar").
    mutating func apply<S: ByteSource>(_ reader: inout TarReader<S>, what: String) throws(BuildError) {
        // Paths this layer made (and their parents): its own whiteouts leave them alone.
        var mine = Set<[UInt8]>()
        var entries = 0
        while true {
            let entry: TarEntry
            do {
                guard let next = try reader.next() else { break }
                entry = next
            } catch {
                throw BuildError("\(what): \(error.message)")
            }
            entries += 1
            if entries % 256 == 0 { try signals.check() }
            log.progress("\(what): \(entries) entries, \(BuildLog.size(reader.offset))")
            let action: ArchivePath.Action
            do { action = try ArchivePath.action(entry.path) } catch { throw BuildError("\(what): \(error.message)") }
            switch action {
            case .ignored:
                continue
            case .whiteout(let parts):
                if mine.contains(ArchivePath.join(parts)) { continue }
                try writer.remove(parts)
            case .opaque(let parts):
                try writer.directory(parts, mode: writer.isDirectory(parts) ? modeOf(parts) : 0o755)
                try hideLower(in: parts, keeping: mine)
            case .entry(let parts):
                if parts.isEmpty { continue }  // the root itself: its mode stays 0755
                for depth in 1...parts.count { mine.insert(ArchivePath.join(Array(parts.prefix(depth)))) }
                try create(entry, at: parts, from: &reader, what: what)
            }
        }
        log.progressDone()
    }

    func modeOf(_ parts: ArchivePath.Components) -> UInt32 {
        writer.lstatInside(parts).map { UInt32($0.st_mode) & 0o7777 } ?? 0o755
    }

    /// Removes what lower layers put in directory `parts`: every child this layer did not
    /// make, and inside the children it did make, their lower contents too.
    func hideLower(in parts: ArchivePath.Components, keeping mine: Set<[UInt8]>) throws(BuildError) {
        for name in writer.children(parts) ?? [] {
            let child = parts + [name]
            if !mine.contains(ArchivePath.join(child)) {
                try writer.remove(child)
            } else if let st = writer.lstatInside(child), st.st_mode & S_IFMT == S_IFDIR {
                try hideLower(in: child, keeping: mine)
            }
        }
    }

    mutating func create<S: ByteSource>(
        _ entry: TarEntry, at parts: ArchivePath.Components,
        from reader: inout TarReader<S>, what: String
    ) throws(BuildError) {
        switch entry.kind {
        case .directory:
            try writer.directory(parts, mode: entry.mode)
        case .file:
            try writer.file(parts, mode: entry.mode) { (fd) throws(BuildError) in
                try Self.copyData(from: &reader, to: fd, what: "\(what): \(ArchivePath.display(parts))", signals: signals)
            }
        case .symlink(let target):
            guard !target.isEmpty else {
                skippedOther.append("\(ArchivePath.display(parts)) (a symlink to nothing)")
                return
            }
            try writer.symlink(parts, target: target)
        case .hardlink(let target):
            let existing: ArchivePath.Components
            do { existing = try ArchivePath.components(target) } catch {
                throw BuildError("\(what): hard link \(ArchivePath.display(parts)): \(error.message)")
            }
            try writer.hardlink(parts, to: existing)
        case .fifo:
            try writer.fifo(parts, mode: entry.mode)
        case .characterDevice, .blockDevice:
            // mknod of devices needs privilege; /dev is provided at run time anyway.
            skippedDevices += 1
        case .unsupported(let type):
            skippedOther.append("\(ArchivePath.display(parts)) (tar type '\(String(UnicodeScalar(type)))')")
        }
    }

    static func copyData<S: ByteSource>(
        from reader: inout TarReader<S>, to fd: Int32, what: String,
        signals: BuildSignals
    ) throws(BuildError) {
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n: Int
            do {
                n = try readChunk(&reader, into: &buffer)
            } catch {
                throw BuildError("\(what): \(error.message)")
            }
            if n == 0 { return }
            let rc = buffer.withUnsafeBytes { gb_write_all(fd, $0.baseAddress, n) }
            guard rc == 0 else { throw .system("write", path: what, result: rc) }
            try signals.check()
        }
    }

    static func readChunk<S: ByteSource>(_ reader: inout TarReader<S>, into buffer: inout [UInt8]) throws(ArchiveError) -> Int {
        do {
            return try buffer.withUnsafeMutableBytes { try reader.readData(into: $0) }
        } catch let error as ArchiveError {
            throw error
        } catch {
            throw ArchiveError("\(error)")
        }
    }

    /// One warning for everything skipped.
    func reportSkipped(_ source: String) {
        if skippedDevices > 0 {
            log.warning(
                "\(source): skipped \(skippedDevices) device node(s): an unprivileged build cannot create devices (gourd provides /dev at run time)"
            )
        }
        if !skippedOther.isEmpty {
            let shown = skippedOther.prefix(5).joined(by: ", ")
            log.warning(
                "\(source): skipped \(skippedOther.count) entr\(skippedOther.count == 1 ? "y" : "ies"): \(shown)\(skippedOther.count > 5 ? ", ..." : "")"
            )
        }
    }
}
