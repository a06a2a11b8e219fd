import Foundation
import GourdCore
import Testing

/// A squashfs image built for one test (mksquashfs, root-owned files), readable by the test user.
func makeLayerImage(_ name: String, files: [String: String]) throws -> String {
    let source = Scratch.shared.directory(name + "-src")
    for (path, contents) in files {
        let file = source + path
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try contents.write(toFile: file, atomically: false, encoding: .utf8)
    }
    let image = Scratch.shared.path + "/\(name)-\(UUID().uuidString.prefix(8)).sqfs"
    let mksquashfs = Process()
    mksquashfs.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    mksquashfs.arguments = ["mksquashfs", source, image, "-noappend", "-quiet", "-no-progress", "-all-root"]
    mksquashfs.standardOutput = FileHandle.nullDevice
    try mksquashfs.run()
    mksquashfs.waitUntilExit()
    #expect(mksquashfs.terminationStatus == 0)
    return image
}

extension Integration {
    /// Issue 15: Apptainer's --overlay, unprivileged. The kernel's overlayfs in gourd's user
    /// namespace stacks a writable host directory, read-only directories and squashfs images
    /// over the FUSE-served image.
    @Suite struct Overlay {
        static let image = Gourd.env.image("busybox-zstd.sqfs")
        /// The image's /tmp stays the image's own (not the host's), so its limits show.
        static let options = ["--no-mount", "tmp,cwd"]

        /// Changes land in DIR/upper and come back at the next launch; `:ro` shows them without
        /// letting anything be written; without --overlay the image is as built.
        @Test func directoryOverlayPersistsAndIsReusableReadOnly() throws {
            let dir = Scratch.shared.directory("overlay")
            let write = try Gourd.run(
                ["exec", "--overlay", dir] + Self.options + [
                    Self.image, "sh", "-c",
                    "mkdir /work && echo one > /work/f && ln -s f /work/link && cat /work/link; "
                        + "grep -c ' / / .* overlay ' /proc/self/mountinfo",
                ])
            #expect(write.lines == ["one", "1"], "\(write)")
            #expect((try? String(contentsOfFile: dir + "/upper/work/f", encoding: .utf8)) == "one\n")
            var isDirectory: ObjCBool = false
            #expect(FileManager.default.fileExists(atPath: dir + "/work", isDirectory: &isDirectory) && isDirectory.boolValue)
            // --pwd may name a directory the overlay holds (the image lacks /work).
            let again = try Gourd.run(
                ["exec", "-o", dir, "--pwd", "/work"] + Self.options + [Self.image, "sh", "-c", "pwd; echo two >> f; cat f"])
            #expect(again.lines == ["/work", "one", "two"], "\(again)")
            let readOnly = try Gourd.run(
                ["exec", "--overlay", dir + ":ro"] + Self.options + [Self.image, "sh", "-c", "cat /work/f; touch /work/g"])
            #expect(readOnly.lines == ["one", "two"] && readOnly.status != 0, "\(readOnly)")
            #expect(readOnly.stderr.contains("Read-only file system"), "\(readOnly)")
            let plain = try Gourd.run(["exec"] + Self.options + [Self.image, "ls", "/work"])
            #expect(plain.status != 0 && plain.lines.isEmpty, "\(plain)")
            expectNothingLeft()
        }

        /// What an unprivileged overlay can and cannot do (the README lists the same): new
        /// entries in the overlay's root, and changes to them, work; anything that needs a
        /// directory of the image copied up fails, because the image's files belong to root,
        /// which is unmapped in gourd's user namespace (the kernel cannot give the copy root's
        /// owner): EACCES or EOVERFLOW.
        @Test func unprivilegedLimitsAreTheDocumentedOnes() throws {
            let dir = Scratch.shared.directory("overlay-limits")
            let script = [
                "touch /new", "mkdir -p /newdir/a/b", "ln -s /bin /newlink", "mv /new /renamed", "rm -r /newdir",
                "touch /tmp/x", "mkdir /opt/x", "rm /etc/hosts", "sh -c 'echo x >> /data/text'",
            ].map { #"if out=$(\#($0) 2>&1); then echo "ok: \#($0)"; else echo "no: \#($0): ${out##*: }"; fi"# }
            let out = try Gourd.run(["exec", "--overlay", dir] + Self.options + [Self.image, "sh", "-c", script.joined(separator: "; ")])
            #expect(
                out.lines == [
                    "ok: touch /new", "ok: mkdir -p /newdir/a/b", "ok: ln -s /bin /newlink", "ok: mv /new /renamed",
                    "ok: rm -r /newdir", "no: touch /tmp/x: Permission denied", "no: mkdir /opt/x: Permission denied",
                    "no: rm /etc/hosts: Value too large for defined data type",
                    "no: sh -c 'echo x >> /data/text': Permission denied",
                ], "\(out)")
            expectNothingLeft()
        }

        /// Read-only layers stack in flag order (the first one on top), squashfs images served
        /// by gourd itself; --writable-tmpfs puts a tmpfs on top of them; APPTAINER_OVERLAY is
        /// the same list.
        @Test func readOnlyLayersStackInFlagOrder() throws {
            let low = try makeLayerImage("layer-low", files: ["/opt/layer/msg": "from the squashfs layer\n", "/opt/layer/low": "low\n"])
            let high = Scratch.shared.directory("layer-high")
            try FileManager.default.createDirectory(atPath: high + "/opt/layer", withIntermediateDirectories: true)
            Scratch.shared.write("from the directory layer\n", to: high + "/opt/layer/msg")
            let script = "cat /opt/layer/msg /opt/layer/low; touch /new && echo wrote"
            let stacked = try Gourd.run(["exec", "-o", high + ":ro", "-o", low] + Self.options + [Self.image, "sh", "-c", script])
            #expect(stacked.lines == ["from the directory layer", "low"], "\(stacked)")
            #expect(stacked.stderr.contains("Read-only file system"), "\(stacked)")
            let reversed = try Gourd.run(
                ["exec", "--writable-tmpfs"] + Self.options + [Self.image, "sh", "-c", script],
                env: ["APPTAINER_OVERLAY": "\(low),\(high):ro"])
            #expect(reversed.lines == ["from the squashfs layer", "low", "wrote"], "\(reversed)")
            expectNothingLeft()
        }

        /// Bad input: one line naming --overlay, the value and the cause; exit 125; the command
        /// never runs, nothing is mounted or left running, and no upper/work is created.
        @Test func badOverlaysAreRefusedInOneLine() throws {
            let first = Scratch.shared.directory("overlay-a")
            let second = Scratch.shared.directory("overlay-b")
            let text = Scratch.shared.path + "/not-an-image-\(UUID().uuidString.prefix(8))"
            Scratch.shared.write("plain text\n", to: text)
            let ext3 = Scratch.shared.path + "/ext3-\(UUID().uuidString.prefix(8)).img"
            FileManager.default.createFile(atPath: ext3, contents: Data(count: 1080) + Data([0x53, 0xEF]) + Data(count: 1024))
            Scratch.shared.chownToUser(ext3)
            let layer = try makeLayerImage("layer-rw", files: ["/x": "x"])
            let cases: [([String], String)] = [
                (["-o", first, "-o", second], "--overlay '\(first), \(second)': only one overlay may be writable (the others need :ro)"),
                (["--overlay", first + "/missing"], "--overlay '\(first)/missing': no such file or directory on the host"),
                (["--overlay", text], "--overlay '\(text)': not a directory or a squashfs image"),
                (["--overlay", layer + ":rw"], "--overlay '\(layer):rw': a squashfs image is read-only: drop :rw (or use a directory)"),
                (["--overlay", ext3], "--overlay '\(ext3)': ext3 overlay images are not supported"),
                (
                    ["--overlay", Gourd.env.image("truncated.sqfs")],
                    "--overlay '\(Gourd.env.image("truncated.sqfs"))': truncated: the file is shorter than its superblock says"
                ),
                (
                    ["--overlay", "/proc/self/fdinfo"],
                    "--overlay '/proc/self/fdinfo': it is on procfs, which cannot hold an overlay's upper layer"
                ),
            ]
            for (options, message) in cases {
                let out = try Gourd.run(["exec"] + options + [Self.image, "echo", "ran"])
                #expect(out.status == GourdExit.launchFailed && out.stdout.isEmpty, "\(options): \(out)")
                #expect(out.stderr.hasPrefix("gourd: " + message) && out.stderr.split(separator: "\n").count == 1, "\(options): \(out)")
            }
            for dir in [first, second] {
                #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty, "\(dir) was written")
            }
            expectNothingLeft()
        }

        /// One writable user of an overlay directory at a time (the kernel would only warn);
        /// read-only users share it, but not with a writer.
        @Test func aWritableOverlayIsLockedWhileInUse() throws {
            let dir = Scratch.shared.directory("overlay-lock")
            let first = try Gourd.start(["exec", "-o", dir] + Self.options + [Self.image, "sh", "-c", "echo started; sleep 3"])
            #expect(first.waitForOutput("started"))
            for spec in [dir, dir + ":ro"] {
                let second = try Gourd.run(["exec", "-o", spec] + Self.options + [Self.image, "echo", "ran"])
                #expect(second.status == GourdExit.launchFailed && second.stdout.isEmpty, "\(second)")
                #expect(second.stderr.hasPrefix("gourd: --overlay '\(spec)': "), "\(second)")
            }
            #expect(try first.wait().status == 0)
            let readers = try [0, 1].map { _ in
                try Gourd.start(["exec", "-o", dir + ":ro"] + Self.options + [Self.image, "sh", "-c", "sleep 1; echo read"])
            }
            for reader in readers { #expect(try reader.wait().lines == ["read"]) }
            expectNothingLeft()
        }

        /// Apptainer's --containall is --contain --cleanenv --ipc --pid: its own IPC namespace.
        /// --contain alone keeps the host's.
        @Test func containAllHasItsOwnIPCNamespace() throws {
            let host = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/ipc")
            for (option, separate) in [("-C", true), ("--containall", true), ("--compat", true), ("-c", false)] {
                let out = try Gourd.run(["exec", option, Self.image, "readlink", "/proc/self/ns/ipc"])
                #expect(out.status == 0 && (out.lines.first != host) == separate, "\(option): \(out) host \(host)")
            }
            let env = try Gourd.run(["exec", Self.image, "readlink", "/proc/self/ns/ipc"], env: ["APPTAINER_CONTAINALL": "1"])
            #expect(env.status == 0 && env.lines.first != host, "\(env)")
            expectNothingLeft()
        }
    }
}
