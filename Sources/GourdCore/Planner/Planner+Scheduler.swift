/// What MPI ranks need from the scheduler inside: the PMIx server's rendezvous directories
/// (its unix sockets live there) at the same path, unless a bind already shows them there.
extension Planner {
    static let pmixDirectoryVariables = ["PMIX_SERVER_TMPDIR", "PMIX_SYSTEM_TMPDIR"]

    func schedulerMounts(after earlier: [Mount], notes: inout [String]) -> [Mount] {
        var mounts = earlier
        for name in Self.pmixDirectoryVariables {
            guard let value = host.variable(name), value.hasPrefix("/"), let real = hostFS.realPath(value),
                hostFS.kind(real) == .directory
            else { continue }
            if insidePath(ofHost: real, mounts: mounts) == real { continue }  // already there (e.g. under /tmp)
            guard case .success = checkBind(real, onto: real, after: mounts, directoriesOnly: true) else {
                notes.append("\(name)=\(value): not reachable inside (its path lies in another mount)")
                continue
            }
            mounts.append(
                Mount(
                    kind: .bind(source: real), destination: real, recursive: false,
                    reason: "scheduler: PMIx rendezvous directory (\(name))"))
        }
        return Array(mounts.dropFirst(earlier.count))
    }
}
