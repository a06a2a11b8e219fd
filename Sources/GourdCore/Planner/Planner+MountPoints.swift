/// Mount points the read-only image lacks. gourd's FUSE server shows them as empty
/// directories or files (their missing parents as directories), so a bind may land anywhere
/// in the image — as Apptainer users expect — without a writable overlay.
extension Planner {
    /// Whether `destination` can be added: it is not inside an earlier mount (a host
    /// directory or a tmpfs, which gourd does not write to) and its nearest existing ancestor
    /// in the image is a directory.
    func canAdd(_ destination: String, after mounts: [Mount]) -> Bool {
        guard destination != "/", coveringMount(destination, mounts: mounts) == nil else { return false }
        for ancestor in Paths.ancestors(destination) {
            if let kind = image.kind(ancestor) { return kind == .directory }
        }
        return image.kind("/") == .directory
    }

    /// Every mount destination the image lacks, in mount order, with the kind of its source.
    func addedMountPoints(for mounts: [Mount]) -> [AddedMountPoint] {
        var added: [AddedMountPoint] = []
        for (index, mount) in mounts.enumerated() where image.kind(mount.destination) == nil {
            guard coveringMount(mount.destination, mounts: Array(mounts.prefix(index))) == nil else { continue }
            let isDirectory: Bool
            switch mount.kind {
            case .bind(let source): isDirectory = hostFS.kind(source) == .directory
            case .generated: isDirectory = false
            case .proc, .tmpfs: isDirectory = true
            }
            added.append(AddedMountPoint(path: mount.destination, isDirectory: isDirectory))
        }
        return added
    }
}
