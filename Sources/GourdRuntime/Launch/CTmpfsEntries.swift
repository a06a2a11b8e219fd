import CGourdLaunch
import Glibc
import GourdCore

/// A tmpfs mount's entries as a C array, with the strings it points to, owned until deinit.
final class CTmpfsEntries {
    let paths: CStringArray
    let targets: CStringArray
    let base: UnsafeMutablePointer<gd_tmpfs_entry>
    let count: Int

    init(_ entries: [TmpfsEntry]) {
        paths = CStringArray(entries.map(\.path))
        targets = CStringArray(
            entries.map { entry in
                if case .symlink(_, let target) = entry { return target }
                return ""
            })
        count = entries.count
        base = .allocate(capacity: max(count, 1))
        for (index, entry) in entries.enumerated() {
            let kind: gd_entry_kind
            switch entry {
            case .directory: kind = GD_ENTRY_DIRECTORY
            case .file: kind = GD_ENTRY_FILE
            case .symlink: kind = GD_ENTRY_SYMLINK
            }
            base[index] = gd_tmpfs_entry(
                kind: Int32(kind.rawValue), path: paths.constBase[index],
                target: targets.constBase[index])
        }
    }

    deinit { base.deallocate() }
}
