import CGourdImage
import CGourdLaunch
import Crypto
import Glibc
import GourdCore

/// A rank inside a shared container: joins the namespaces, forks the workload there, and
/// waits for it, forwarding signals, exactly as a single launch's server does (minus FUSE).
struct JoinedRank {
    let plan: LaunchPlan
    let namespaces: [Int32]

    func run() throws(LaunchError) -> Int32 {
        let (signalFD, oldMask) = try Executor.signalDescriptor(blockAll: false)
        let container = try Container.join(plan: plan, namespaces: namespaces, mask: oldMask)
        return try Server(fuse: nil, signalFD: signalFD, container: container, plan: plan).serve()
    }
}
