import Testing

@testable import GourdCore

@Suite("AccountFiles")
struct AccountFilesTests {
    let alice = Fixture.alice
    let aliceLine = "alice:x:1000:1000:Alice Liddell:/home/alice:/bin/bash"

    func lines(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    // MARK: passwd

    @Test("no image passwd: root, nobody, then the caller")
    func passwdWithoutImageFile() {
        let text = AccountFiles.passwd(image: nil, identity: alice)
        #expect(
            text == """
                root:x:0:0:root:/root:/bin/sh
                nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
                \(aliceLine)

                """)
    }

    @Test("image entries are kept in order; comments and blank lines dropped")
    func passwdKeepsImageEntries() {
        let image = """
            # system accounts
            root:x:0:0:root:/root:/bin/bash
            daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin

            nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
            postgres:x:999:999::/var/lib/postgresql:/bin/bash
            """
        #expect(
            lines(AccountFiles.passwd(image: image, identity: alice)) == [
                "root:x:0:0:root:/root:/bin/bash",
                "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
                "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
                "postgres:x:999:999::/var/lib/postgresql:/bin/bash",
                aliceLine,
                "",
            ])
    }

    @Test("an image entry with the caller's name is replaced")
    func passwdReplacesSameName() {
        let image = "root:x:0:0:root:/root:/bin/sh\nalice:x:2000:2000:image alice:/home/img:/bin/zsh\n"
        let result = lines(AccountFiles.passwd(image: image, identity: alice))
        #expect(result.filter { $0.hasPrefix("alice:") } == [aliceLine])
        #expect(!result.contains(where: { $0.contains("image alice") }))
    }

    @Test("an image entry with the caller's uid is replaced")
    func passwdReplacesSameUid() {
        let image = "root:x:0:0:root:/root:/bin/sh\nubuntu:x:1000:1000:Ubuntu:/home/ubuntu:/bin/bash\n"
        let result = lines(AccountFiles.passwd(image: image, identity: alice))
        #expect(!result.contains(where: { $0.hasPrefix("ubuntu:") }))
        #expect(result.filter { $0.split(separator: ":", omittingEmptySubsequences: false).dropFirst(2).first == "1000" } == [aliceLine])
    }

    @Test("root and nobody are added once, however the image names them")
    func passwdNoDuplicateSystemAccounts() {
        let image = "toor:x:0:0::/root:/bin/sh\nnfsnobody:x:65534:65534::/:/sbin/nologin\n"
        let result = lines(AccountFiles.passwd(image: image, identity: alice))
        #expect(result == ["toor:x:0:0::/root:/bin/sh", "nfsnobody:x:65534:65534::/:/sbin/nologin", aliceLine, ""])
    }

    @Test("a caller who is root (uid 0) gets no second root entry")
    func passwdCallerIsRoot() {
        let root = Identity(uid: 0, gid: 0, userName: "root", groupName: "root", home: "/root", shell: "/bin/sh")
        let result = lines(AccountFiles.passwd(image: nil, identity: root))
        #expect(result.filter { $0.contains(":x:0:") }.count == 1)
        #expect(result == ["nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin", "root:x:0:0::/root:/bin/sh", ""])
    }

    @Test("the caller's line is name:x:uid:gid:gecos:home:shell")
    func passwdUserLine() {
        let identity = Identity(
            uid: 4242, gid: 77, userName: "jdoe", groupName: "physics",
            home: "/gpfs/home/jdoe", shell: "/bin/zsh", gecos: "Jane Doe,Room 1")
        let result = lines(AccountFiles.passwd(image: nil, identity: identity))
        #expect(result.dropLast().last == "jdoe:x:4242:77:Jane Doe,Room 1:/gpfs/home/jdoe:/bin/zsh")
    }

    // MARK: group

    @Test("no image group: root, nogroup, then the caller's group with the caller as member")
    func groupWithoutImageFile() {
        #expect(AccountFiles.group(image: nil, identity: alice) == "root:x:0:\nnogroup:x:65534:\nalice:x:1000:alice\n")
    }

    @Test("image groups are kept; one with the caller's name or gid is replaced")
    func groupReplaces() {
        let image = """
            root:x:0:
            #comment
            users:x:100:bob
            alice:x:3000:
            staff:x:1000:carol
            nogroup:x:65534:
            """
        #expect(
            lines(AccountFiles.group(image: image, identity: alice)) == [
                "root:x:0:", "users:x:100:bob", "nogroup:x:65534:", "alice:x:1000:alice", "",
            ])
    }

    @Test("root and nogroup are not added twice")
    func groupNoDuplicates() {
        let image = "wheel:x:0:\nnobody:x:65534:\n"
        #expect(
            lines(AccountFiles.group(image: image, identity: alice)) == [
                "wheel:x:0:", "nobody:x:65534:", "alice:x:1000:alice", "",
            ])
    }

    @Test("the caller's group line is group:x:gid:user")
    func groupLine() {
        let identity = Identity(uid: 4242, gid: 77, userName: "jdoe", groupName: "physics", home: "/h", shell: "/bin/sh")
        #expect(lines(AccountFiles.group(image: nil, identity: identity)).dropLast().last == "physics:x:77:jdoe")
    }
}
