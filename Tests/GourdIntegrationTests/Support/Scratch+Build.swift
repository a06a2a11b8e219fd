import Foundation

extension Scratch {
    /// `gourd build` of a scratch recipe holding busybox (as /bin/busybox and /bin/sh) whose
    /// %post is `post`, in a fresh directory `name`; what a test of %post's surroundings needs.
    func buildBusybox(_ name: String, post: String) throws -> Outcome {
        let dir = directory(name)
        write(Integration.Build.busybox + "%post\n    " + post + "\n\n", to: dir + "/r.def")
        return try Gourd.run(["build", "--force", dir + "/out.sqfs", dir + "/r.def"], cwd: dir, timeout: 120)
    }
}
