import Crypto
import Glibc
import GourdCore

/// The policy's `[images]` rules, checked on the file gourd has open (not on a path that could
/// be swapped after the check). Returns what passed, for the plan.
public enum ImageAdmission {
    public static func check(
        _ image: any ServableImage, rules: ImageRules, variables: PolicyVariables,
        hostFS: any HostFileSystem
    ) throws(LaunchError) -> [String] {
        var passed: [String] = []
        let path = image.path
        func refuse(_ reason: String) -> LaunchError { .plan(.imageNotAllowed(path, reason: reason)) }
        if !rules.allowDirectories.isEmpty {
            let directories = rules.allowDirectories.compactMap { rule -> (String, PathRule)? in
                guard case .success(let expanded) = variables.expand(rule.path) else { return nil }
                return (hostFS.realPath(expanded) ?? Paths.normalize(expanded), rule)
            }
            guard let (directory, rule) = directories.first(where: { Paths.isWithin(path, $0.0) }) else {
                throw refuse(
                    "not under images.allow_dirs (\(directories.map(\.0).joined(by: ", "))) of \(rules.allowDirectories[0].origin)")
            }
            passed.append("in \(directory) (\(rule.origin))")
        }
        var st = stat()
        guard fstat(image.descriptor, &st) == 0 else {
            throw .system(SystemError("fstat", path: path, errno: .init(rawValue: errno)), hint: nil)
        }
        if !rules.allowOwners.isEmpty {
            let owners = rules.allowOwners.compactMap { uid(of: $0.path, variables: variables) }
            guard owners.contains(st.st_uid) else {
                throw refuse(
                    "owned by uid \(st.st_uid), not by one of images.allow_owners (\(rules.allowOwners.map(\.path).joined(by: ", "))) of \(rules.allowOwners[0].origin)"
                )
            }
            passed.append("owner uid \(st.st_uid) allowed (\(rules.allowOwners[0].origin))")
        }
        if !rules.sha256.isEmpty {
            let digest = try sha256(image.descriptor, path: path)
            guard let rule = rules.sha256.first(where: { $0.path == digest }) else {
                throw refuse("its sha256 \(digest) is not in images.sha256 of \(rules.sha256[0].origin)")
            }
            passed.append("sha256 \(digest) listed (\(rule.origin))")
        }
        return passed
    }

    /// A user name, a numeric uid, or "$USER".
    static func uid(of owner: String, variables: PolicyVariables) -> uid_t? {
        guard case .success(let name) = variables.expand(owner) else { return nil }
        if let number = UInt32(name) { return number }
        return getpwnam(name).map { $0.pointee.pw_uid }
    }

    /// sha256 of the whole file, read through the open descriptor.
    public static func sha256(_ fd: Int32, path: String) throws(LaunchError) -> String {
        switch Syscall.sha256(fd) {
        case .success(let digest): return digest
        case .failure(let error): throw .system(SystemError("read", path: path, errno: error), hint: nil)
        }
    }
}
