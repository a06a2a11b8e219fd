/// The one check every bind goes through, whoever asked for it (--bind and GOURD_BIND, the
/// site policy's [[bind]] entries, the scheduler's PMIx directories): the source resolved on
/// the host, the destination found inside (through earlier binds, in the image, or addable by
/// the FUSE server), and both of the same kind. Callers decide what a problem means: a user's
/// bind fails the launch, an optional policy bind or a scheduler directory is skipped with a
/// note.
extension Planner {
    /// A bind that passed: its host source with every symlink resolved, and what it is.
    struct CheckedBind {
        let source: String
        let kind: FileKind
    }

    enum BindProblem: Error, Equatable {
        /// The destination would cover /, /dev, or /proc or a path in it (`isProtected`).
        case protectedDestination
        case sourceMissing
        /// Not in the image, and not addable (it lies in another mount or under a file).
        case destinationUnreachable
        case kindMismatch(sourceIsDirectory: Bool)
    }

    /// Checks a bind of host `source` onto `destination` (an absolute, normalized path inside)
    /// after `mounts`. `directoriesOnly`: a file source counts as missing.
    func checkBind(
        _ source: String, onto destination: String, after mounts: [Mount],
        directoriesOnly: Bool = false
    ) -> Result<CheckedBind, BindProblem> {
        guard !Self.isProtected(destination) else { return .failure(.protectedDestination) }
        guard let real = hostFS.realPath(source), let sourceKind = hostFS.kind(real),
            !directoriesOnly || sourceKind == .directory
        else { return .failure(.sourceMissing) }
        // A destination the image lacks is added by the FUSE server (Planner+MountPoints).
        guard
            let destinationKind = kindInside(destination, mounts: mounts)
                ?? (canAdd(destination, after: mounts) ? sourceKind : nil)
        else {
            return .failure(.destinationUnreachable)
        }
        guard (sourceKind == .directory) == (destinationKind == .directory) else {
            return .failure(.kindMismatch(sourceIsDirectory: sourceKind == .directory))
        }
        return .success(CheckedBind(source: real, kind: sourceKind))
    }

    /// A bind onto / would hide the image (and every mount gourd made), one onto /dev its
    /// device grants, and one onto or inside /proc the kernel's view of the container's own
    /// processes (procfs is mounted fresh for the PID namespace). Paths below /dev (/dev/shm)
    /// stay allowed.
    static func isProtected(_ destination: String) -> Bool {
        destination == "/" || destination == "/dev" || Paths.isWithin(destination, "/proc")
    }
}
