import Foundation
import GourdCore
import Testing

/// The FUSE server under load: several serving threads, each with its own squashfs handle,
/// kernel-side caching (negative entries, readdirplus, keep_cache), a bounded block cache.
/// The truth is the image unpacked by unsquashfs and read by the host's own busybox.
extension Integration {
    @Suite struct Serving {
        static let image = "serving.sqfs"

        /// Many readers at once read every file; every checksum matches the unpacked tree's.
        @Test func parallelReadersSeeExactlyTheUnpackedBytes() throws {
            let tree = try ServingTree.shared.root()
            let expected = try host(["sh", "-c", "cd \(tree) && find many big -type f | sort | xargs md5sum"])
            #expect(expected.split(separator: "\n").count > 3500)
            let readers = 8
            // Each reader walks the files in its own order (rotated), so they meet on blocks.
            let script = SharedCache.readEverything(readers: readers)
            let out = try Gourd.run(
                ["exec", Gourd.env.image(Self.image), "sh", "-c", script],
                env: ["GOURD_FUSE_THREADS": "4"], timeout: 120)
            #expect(out.status == 0, "\(out.stderr)")
            let sums = out.stdout.components(separatedBy: "==\n").filter { !$0.isEmpty }
            #expect(sums.count == readers)
            let want = sortedLines(expected)
            for (index, sum) in sums.enumerated() {
                #expect(sortedLines(sum) == want, "reader \(index) read different bytes")
            }
            expectNothingLeft()
        }

        /// A lookup of a missing name is cached (a negative entry) and must not hide anything:
        /// after probing missing names, `ls -l` of a 2,000-entry directory (several readdir
        /// chunks; the default adaptive readdirplus, attributes for every entry, for
        /// subdirectories only) and of a directory with symlinks, a hard link and block-boundary
        /// sizes equals the unpacked copy's.
        @Test(arguments: ["", "readdirplus", "plus_dirs"])
        func negativeLookupsAndListingsMatchTheUnpackedTree(on: String) throws {
            let tree = try ServingTree.shared.root()
            // Links, owners and dates aside (the copy is the runner's, unpacked now); "total" and
            // a directory's size count the host file system's blocks, not the image's.
            let listing =
                "ls -l many/big-dir many | grep -v '^total' | awk '{ $2 = $3 = $4 = $6 = $7 = $8 = \"\"; if ($1 ~ /^d/) $5 = \"\"; print }'"
            let expected = try host(["sh", "-c", "cd \(tree) && busybox \(listing)"])
            let script = """
                cd /
                for p in many/nope many/big-dir/entry-2000 many/big-dir/nope/x many/size-4096/x; do
                    ls $p >/dev/null 2>&1 && echo "unexpected: $p"
                    ls $p >/dev/null 2>&1 && echo "unexpected again: $p"
                done
                \(listing)
                cat many/big-dir/entry-1999 many/link-rel | wc -c
                readlink many/link-abs; readlink many/link-dangling
                [ -e many/link-dangling ] || echo dangling
                stat -c '%h %i' many/size-4095 many/hardlink-4095 | sort -u | wc -l
                """
            let out = try Gourd.run(
                ["exec", Gourd.env.image(Self.image), "sh", "-c", script],
                env: ["GOURD_FUSE_ON": on], timeout: 60)
            #expect(out.status == 0, "\(out.stderr)")
            var lines = out.lines
            #expect(!lines.contains { $0.hasPrefix("unexpected") }, "\(out)")
            let tail = Array(lines.suffix(5))
            lines.removeLast(min(5, lines.count))
            #expect(
                lines == expected.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).dropLast(),
                "listing differs")
            #expect(tail == ["4107", "/many/size-1", "nowhere", "dangling", "1"], "\(tail)")
            expectNothingLeft()
        }

        /// The server runs the threads it was asked for once the container is up (and the
        /// namespaces were still set up with one thread: the launch works at all).
        @Test func serverAnswersWithSeveralThreads() throws {
            for (asked, expected) in [("1", 2), ("3", 4)] {
                let run = try Gourd.start(
                    ["exec", Gourd.env.image(Self.image), "sh", "-c", "echo up; sleep 30"],
                    env: ["GOURD_FUSE_THREADS": asked])
                #expect(run.waitForOutput("up"))
                let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(run.pid)/task"))?.count ?? 0
                run.signal(SIGTERM)
                _ = try run.wait()
                #expect(tasks == expected, "GOURD_FUSE_THREADS=\(asked): \(tasks) tasks (the caller's + serving threads)")
            }
            expectNothingLeft()
        }

        /// Reading 24 MB of incompressible blocks: with a small budget the server's anonymous
        /// memory stays within it (plus buffers), with a large one the cache really holds more.
        @Test func cacheBudgetBoundsTheServersMemory() throws {
            func anonymousKiB(budget: String, read: Bool) throws -> Int {
                let work = read ? "cat /big/* /many/size-1000000 > /dev/null; " : ""
                let run = try Gourd.start(
                    ["exec", Gourd.env.image(Self.image), "sh", "-c", work + "echo done; sleep 30"],
                    env: ["GOURD_FUSE_CACHE_MB": budget, "GOURD_FUSE_THREADS": "2"])
                #expect(run.waitForOutput("done", timeout: 60))
                let status = (try? String(contentsOfFile: "/proc/\(run.pid)/status", encoding: .utf8)) ?? ""
                run.signal(SIGTERM)
                _ = try run.wait()
                let line = status.split(separator: "\n").first { $0.hasPrefix("RssAnon:") } ?? ""
                return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? -1
            }
            let idle = try anonymousKiB(budget: "8", read: false)
            let small = try anonymousKiB(budget: "8", read: true)
            let large = try anonymousKiB(budget: "64", read: true)
            // Slack: libfuse's receive buffers and each thread's malloc arena.
            #expect(small - idle < (8 + 6) * 1024, "budget 8 MiB: idle \(idle) KiB, after reading \(small) KiB")
            #expect(large - idle > 10 * 1024, "budget 64 MiB: idle \(idle) KiB, after reading \(large) KiB")
            expectNothingLeft()
        }

        @Test func badServingVariableIsAClearError() throws {
            let out = try Gourd.sh("true", env: ["GOURD_FUSE_CACHE_MB": "lots"])
            #expect(out.status == GourdExit.launchFailed, "\(out)")
            #expect(out.stderr.contains("GOURD_FUSE_CACHE_MB='lots': expected MiB from 1 to"), "\(out)")
            let spin = try Gourd.sh("true", env: ["GOURD_FUSE_SPIN_US": "5000"])
            #expect(spin.status == GourdExit.launchFailed, "\(spin)")
            #expect(spin.stderr.contains("GOURD_FUSE_SPIN_US='5000': expected microseconds from 0 (never) to 1000"), "\(spin)")
            expectNothingLeft()
        }

        /// The longest watch window (README, "Serving the image") reaches the server: 50 us by
        /// default, GOURD_FUSE_SPIN_US=0 turns it off (the server's counters report it).
        @Test func watchWindowReachesTheServer() throws {
            for (env, expected) in [([String: String](), 50), (["GOURD_FUSE_SPIN_US": "0"], 0), (["GOURD_FUSE_SPIN_US": "200"], 200)] {
                let (out, counters) = try SharedCache.counted([], "cat /bin/busybox > /dev/null", env: env)
                #expect(out.status == 0 && counters["spin_us"] == expected, "\(env): \(counters) \(out)")
            }
            expectNothingLeft()
        }

        /// A workload that pauses 0.2-0.5 ms between requests (as Python's imports do): with a
        /// longest window of 1000 us, the watch window widens from 50 us towards it, so that the
        /// leader is still watching when the next request comes. With the default (50 us) it
        /// stays.
        @Test func watchWindowWidensForAWorkloadThatPauses() throws {
            // Each turn: one lookup of a missing name, then ~0.2-0.5 ms of shell arithmetic.
            let paced =
                "i=0; while [ $i -lt 400 ]; do [ -e /many/no-$i ]; j=0; while [ $j -lt 100 ]; do j=$((j + 1)); done; i=$((i + 1)); done"
            let (wide, widened) = try SharedCache.counted([], paced, env: ["GOURD_FUSE_SPIN_US": "1000"])
            let (narrow, fixed) = try SharedCache.counted([], paced, env: [:])
            #expect(wide.status == 0 && narrow.status == 0, "\(wide) \(narrow)")
            // The window at the end says little: a yield that ran another task, or the last long
            // pause, takes it back towards 50 us.
            #expect((widened["widened"] ?? 0) > 0, "up to 1000 us: \(widened)")
            #expect(fixed["widened"] == 0 && fixed["window_us"] == 50, "default: \(fixed)")
            expectNothingLeft()
        }

        /// A corrupt block read by several threads at once: each reader gets EIO promptly, the
        /// other files still read, no thread hangs, nothing is left behind.
        @Test func corruptBlockIsEIOForEveryReaderAtOnce() throws {
            let script = """
                for i in 1 2 3 4 5 6 7 8; do (cat /zz/corrupt > /dev/null 2>&1; echo "corrupt $?") & done
                for i in 1 2 3 4; do (cat /bin/busybox > /dev/null; echo "good $?") & done
                wait
                """
            let out = try Gourd.run(
                ["exec", Gourd.env.image("corrupt.sqfs"), "sh", "-c", script],
                env: ["GOURD_FUSE_THREADS": "4"], timeout: 30)
            #expect(out.status == 0, "\(out)")
            #expect(out.lines.filter { $0 == "corrupt 1" }.count == 8, "\(out)")
            #expect(out.lines.filter { $0 == "good 0" }.count == 4, "\(out)")
            expectNothingLeft()
        }
    }
}

/// serving.sqfs unpacked once per test run (unsquashfs as the runner), for comparisons.
final class ServingTree: @unchecked Sendable {
    static let shared = ServingTree()
    private let lock = NSLock()
    private var path: String?

    func root() throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if let path { return path }
        let dir = Scratch.shared.path + "/serving-tree"
        _ = try host(["unsquashfs", "-q", "-n", "-d", dir, Gourd.env.image(Integration.Serving.image)])
        path = dir
        return dir
    }
}

/// Runs a host command as the runner; its stdout. Throws on a non-zero status.
func host(_ argv: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = argv
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw HostCommandError.failed(argv, process.terminationStatus) }
    return String(decoding: data, as: UTF8.self)
}

enum HostCommandError: Error { case failed([String], Int32) }

func sortedLines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init).sorted() }
