import Glibc
import GourdCore
import SystemPackage

/// `--workdir DIR`: the host directories Apptainer keeps there for a contained container
/// (`tmp`, `var_tmp`) and for `--scratch PATH` (`scratch/NAME`), created (mode 0700) before
/// planning so the plan binds them. They stay after the launch, as in Apptainer: that is
/// what --workdir is for. DIR itself must exist.
enum WorkspaceDirectories {
    static func create(for request: LaunchRequest) throws(LaunchError) {
        guard let workspace = request.workspace else { return }
        var wanted: [String] = []
        if request.contain { wanted += ["tmp", "var_tmp"] }
        if !request.scratch.isEmpty { wanted.append("scratch") }
        for path in request.scratch {
            wanted.append("scratch/" + (path.split(separator: "/").last.map(String.init) ?? "root"))
        }
        for name in wanted {
            let path = workspace + "/" + name
            if mkdir(path, 0o700) != 0 && errno != EEXIST {
                throw .system(SystemError("mkdir (--workdir)", path: path, errno: Errno(rawValue: errno)), hint: nil)
            }
        }
    }
}
