/// The container's /etc/passwd and /etc/group: the image's own entries, root and nobody when
/// the image lacks them, and the caller's real entry (from the host's NSS, so LDAP users
/// appear) in place of any image entry with the same name or id.
public enum AccountFiles {
    public static func passwd(image: String?, identity: Identity) -> String {
        let user = identity.userName
        let uid = String(identity.uid)
        var lines = entries(image).filter { fields in
            fields[0] != user && (fields.count < 3 || fields[2] != uid)
        }
        if !lines.contains(where: { $0.count > 2 && $0[2] == "0" }) && identity.uid != 0 {
            lines.insert(["root", "x", "0", "0", "root", "/root", "/bin/sh"], at: 0)
        }
        if !lines.contains(where: { $0.count > 2 && $0[2] == "65534" }) && identity.uid != 65534 {
            lines.append(["nobody", "x", "65534", "65534", "nobody", "/nonexistent", "/usr/sbin/nologin"])
        }
        lines.append([user, "x", uid, String(identity.gid), identity.gecos, identity.home, identity.shell])
        return render(lines)
    }

    public static func group(image: String?, identity: Identity) -> String {
        let name = identity.groupName
        let gid = String(identity.gid)
        var lines = entries(image).filter { fields in
            fields[0] != name && (fields.count < 3 || fields[2] != gid)
        }
        if !lines.contains(where: { $0.count > 2 && $0[2] == "0" }) && identity.gid != 0 {
            lines.insert(["root", "x", "0", ""], at: 0)
        }
        if !lines.contains(where: { $0.count > 2 && $0[2] == "65534" }) && identity.gid != 65534 {
            lines.append(["nogroup", "x", "65534", ""])
        }
        lines.append([name, "x", gid, identity.userName])
        return render(lines)
    }

    /// Colon-separated records; comments and blank lines of the image's file are dropped.
    static func entries(_ text: String?) -> [[String]] {
        guard let text else { return [] }
        return text.split(whereSeparator: { $0 == "\n" })
            .filter { !$0.hasPrefix("#") && !$0.allSatisfy({ $0 == " " }) }
            .map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) }
    }

    static func render(_ lines: [[String]]) -> String {
        lines.map { $0.joined(separator: ":") }.joined(separator: "\n") + "\n"
    }
}
