import CGourdLaunch
import Glibc
import GourdCore
import Testing

@testable import GourdRuntime

/// What a container-side failure record (step, errno, mount index) says to the user.
@Suite("Container failures")
struct ContainerFailureTests {
    let plan = LaunchPlan(
        image: ImageLocation(path: "/images/bad.sqfs", offset: 0),
        identity: Identity(uid: 1000, gid: 1000, userName: "u", groupName: "g", home: "/home/u", shell: "/bin/sh", gecos: ""),
        mounts: [
            Mount(
                kind: .bind(source: "/scratch"), destination: "/scratch", readOnly: false, noSuid: true, noDev: true,
                noExec: false, recursive: true, optional: false, reason: "policy")
        ],
        generatedFiles: [], environment: [], argv: ["true"], searchPath: "/bin", workdir: "/", notes: [])

    func message(step: gd_step, errno: Int32, index: Int32 = -1) -> String {
        Server.error(for: gd_failure(step: Int32(step.rawValue), err: errno, index: index), plan: plan).description
    }

    /// A corrupt image's root or mount point reads as EIO in the init: the line names the image.
    @Test func ioErrorsNameTheImage() {
        #expect(
            message(step: GD_STEP_PIVOT, errno: EIO)
                == "pivot_root in the image /images/bad.sqfs, which cannot be read there (corrupt?): Input/output error")
        #expect(message(step: GD_STEP_MOUNT_TARGET, errno: EIO, index: 0).contains("/scratch (policy) in the image /images/bad.sqfs"))
    }

    @Test func otherErrorsAreAsBefore() {
        #expect(message(step: GD_STEP_PIVOT, errno: EPERM) == "pivot_root: Operation not permitted")
        #expect(message(step: GD_STEP_EXEC, errno: ENOENT) == "true: command not found in the image")
    }
}
