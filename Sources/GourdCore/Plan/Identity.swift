/// Who the workload runs as: the caller's own uid and gid, mapped to themselves.
public struct Identity: Sendable, Equatable, Codable {
    public var uid: UInt32
    public var gid: UInt32
    public var userName: String
    public var groupName: String
    public var home: String
    public var shell: String
    public var gecos: String

    public init(
        uid: UInt32, gid: UInt32, userName: String, groupName: String, home: String,
        shell: String, gecos: String = ""
    ) {
        self.uid = uid
        self.gid = gid
        self.userName = userName
        self.groupName = groupName
        self.home = home
        self.shell = shell
        self.gecos = gecos
    }

    /// /proc/self/uid_map and gid_map contents: one id, mapped to itself (not to root).
    public var uidMap: String { "\(uid) \(uid) 1\n" }
    public var gidMap: String { "\(gid) \(gid) 1\n" }
}
