import GourdCore

/// An image file system the launcher can plan against (`ImageView`) and then serve over FUSE
/// as the container's root. `SquashImage` is the one kind today; another file system (EROFS,
/// a directory) would conform here, and the launch path (Launcher, Executor, shared
/// containers, admission) would take it unchanged.
public protocol ServableImage: ImageView, AnyObject {
    /// The image file, as opened.
    var path: String { get }
    /// The open image file (close-on-exec): admission checks and digests read exactly the
    /// file that is served, not a path that could be swapped.
    var descriptor: Int32 { get }
    /// Mounts the image read-only at `target` (a FUSE session named `name` in mountinfo),
    /// with `addedMountPoints` (bind destinations the image lacks) served as empty entries.
    /// `serving`: the server's threads (started later, gd_fuse_start) and cache budget.
    /// Returns the session, which the caller serves and destroys.
    func mountFUSE(
        at target: String, name: String, addedMountPoints: [AddedMountPoint], serving: ServingPlan
    )
        throws(LaunchError) -> OpaquePointer
}
