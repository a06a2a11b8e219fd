/// The container's /etc/passwd and /etc/group: the image's own entries, root and nobody when
/// the image lacks them, and the caller's real entry (from the host's NSS, so LDAP users
/// appear) in place of any image entry with the same name or id.
public enum AccountFiles {
    public static func passwd(image: String?, identity: Identity) -> String {
        merge(
            image,
            own: [
                identity.userName, "x", String(identity.uid), String(identity.gid),
                identity.gecos, identity.home, identity.shell,
            ],
            first: ["root", "x", "0", "0", "root", "/root", "/bin/sh"],
            last: ["nobody", "x", "65534", "65534", "nobody", "/nonexistent", "/usr/sbin/nologin"])
    }

    public static func group(image: String?, identity: Identity) -> String {
        merge(
            image, own: [identity.groupName, "x", String(identity.gid), identity.userName],
            first: ["root", "x", "0", ""], last: ["nogroup", "x", "65534", ""])
    }

    /// Records are name:x:id:...; `own` replaces image records with its name or id, and the
    /// well-known `first` and `last` records are added when no record has their id.
    static func merge(_ image: String?, own: [String], first: [String], last: [String]) -> String {
        var records = entries(image).filter { $0[0] != own[0] && ($0.count < 3 || $0[2] != own[2]) }
        func has(_ id: String) -> Bool { own[2] == id || records.contains(where: { $0.count > 2 && $0[2] == id }) }
        if !has(first[2]) { records.insert(first, at: 0) }
        if !has(last[2]) { records.append(last) }
        records.append(own)
        return records.map { $0.joined(by: ":") }.joined(by: "\n") + "\n"
    }

    /// Colon-separated records; comments and blank lines of the image's file are dropped.
    static func entries(_ text: String?) -> [[String]] {
        guard let text else { return [] }
        return text.split(whereSeparator: { $0 == "\n" })
            .filter { !$0.hasPrefix("#") && !$0.allSatisfy({ $0 == " " }) }
            .map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) }
    }
}
