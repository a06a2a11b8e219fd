import GourdCore
import SystemPackage

/// What a failed overlayfs mount in the container's init (GD_STEP_OVERLAY) most likely means,
/// from its errno and the plan's layers (overlayfs(5); fs/overlayfs/super.c's checks).
enum OverlayFailure {
    static func detail(errno: Errno, plan: LaunchPlan) -> String {
        let upper = plan.overlay?.upperDirectory
        switch errno {
        case .resourceBusy where upper != nil:
            // The kernel marks an upper and a work directory in use ("inuse" trap) while an
            // overlay uses them: two containers cannot share one writable overlay at once.
            return "(--overlay \(upper!)): its upper or work directory is in use by another running container"
        case .tooManySymbolicLinkLevels, .resourceBusy:
            return "(--overlay): two layers overlap (one lies inside another)"
        case .notSupported where upper != nil, .invalidArgument where upper != nil:
            return
                "(--overlay \(upper!)): its file system cannot hold an overlay's upper layer (overlayfs needs user.* xattrs, d_type and whiteouts there)"
        case .permissionDenied where upper != nil:
            return "(--overlay \(upper!)): permission denied on its upper or work directory"
        default:
            return "(unprivileged overlayfs over the image needs Linux 5.11 or newer: 'gourd check')"
        }
    }
}
