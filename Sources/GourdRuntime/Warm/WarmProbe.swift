import CGourdLaunch
import Glibc
import GourdCore

/// For `gourd plan`: is the warm server of this launch running, and whose is it? Connects,
/// reads the server's answer (its pid) and hangs up: to the server, a launch that ended at once.
public enum WarmProbe {
    public static func describe(_ plan: LaunchPlan, image: any ServableImage) -> LaunchPlan {
        guard plan.warm.enabled else { return plan }
        var plan = plan
        let name = WarmServerName.name(plan: plan, image: image)
        let fd = gd_share_connect(name)
        guard fd >= 0 else {
            plan.warm.server = "@\(name): none running, this launch would start one"
            return plan
        }
        defer { close(fd) }
        var uid: UInt32 = 0
        _ = gd_share_peer_uid(fd, &uid)
        if uid != getuid() {
            plan.warm.server = "@\(name): held by uid \(uid), not by you: this launch would run cold"
            return plan
        }
        var reply = gd_share_reply()
        var fds: [Int32] = [-1, -1, -1]
        var count: Int32 = 0
        let rc = gd_share_recv(fd, &reply, &fds, &count, 2_000)
        for index in 0..<Int(count) { close(fds[index]) }
        if rc == 0 && reply.status == 0 && count == 2 {
            plan.warm.server = "@\(name): running, pid \(reply.index)"
            plan.warm.serverPID = reply.index
        } else {
            plan.warm.server = "@\(name): a server is starting or leaving; this launch would start one or use it"
        }
        return plan
    }
}
