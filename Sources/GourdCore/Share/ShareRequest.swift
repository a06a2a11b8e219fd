/// Whether a launch is one of several ranks that should share one container on this node,
/// and under which name they meet.
///
/// `srun -n 64 gourd exec img ./app` starts 64 launchers on a node at once. Each with its own
/// FUSE server would decompress the image 64 times, and MPI's shared-memory transports break
/// between sibling user namespaces (process_vm_readv is refused: docs/PLATFORM-NOTES.md, "Ranks and user namespaces"). Ranks of one
/// job step on one node therefore join one user + mount + PID namespace and one FUSE server.
public enum ShareRequest: Sendable, Equatable {
    /// Share when the environment says this is one of several ranks (the default).
    case auto
    /// --share=none: a container of its own.
    case none
    /// --share=KEY: share with every launch on this node that gives the same key.
    case key(String)
}
