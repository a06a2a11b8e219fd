import Foundation
import GourdCore
import Testing

/// The serving threads' shared block cache (gourd_blockcache.c): a block is decompressed once
/// however many threads and readers want it, the bytes stay exact while blocks are evicted
/// under readers, the budget (--fuse-cache) bounds it. GOURD_FUSE_STATS makes the server append
/// its counters to a file when it stops; the tests read them.
extension Integration.Serving {
    @Suite struct SharedCache {
        /// Every file of serving.sqfs (small files in fragment blocks, block-boundary sizes, 24 MB
        /// of full blocks), read by `readers` readers at once, each starting at another place
        /// in the list so that they meet on blocks; prints each reader's checksums.
        static func readEverything(readers: Int) -> String {
            """
            t=$(mktemp -d) && cd / && find many big -type f | sort > $t/list
            n=$(wc -l < $t/list)
            for r in $(seq 0 \(readers - 1)); do
                (k=$(( (r * n) / \(readers) + 1 ))
                 { tail -n +$k $t/list; head -n $((k - 1)) $t/list; } | xargs md5sum > $t/sum.$r) &
            done
            wait
            for r in $(seq 0 \(readers - 1)); do cat $t/sum.$r; echo ==; done
            rm -rf $t
            """
        }

        /// Runs the script with the counters on; its outcome and the counters.
        static func counted(_ options: [String], _ script: String, env: [String: String]) throws -> (Outcome, [String: Int]) {
            let dir = Scratch.shared.directory("stats")
            let file = dir + "/stats"
            let out = try Gourd.run(
                ["exec"] + options + [Gourd.env.image(Integration.Serving.image), "sh", "-c", script],
                env: env.merging(["GOURD_FUSE_STATS": file]) { a, _ in a }, timeout: 180)
            let line = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
            var counters: [String: Int] = [:]
            for token in line.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
                let pair = token.split(separator: "=", maxSplits: 1)
                if pair.count == 2, let value = Int(pair[1]) { counters[String(pair[0])] = value }
            }
            return (out, counters)
        }

        static func expectExactBytes(_ out: Outcome, readers: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let tree = try ServingTree.shared.root()
            let want = sortedLines(try host(["sh", "-c", "cd \(tree) && find many big -type f | sort | xargs md5sum"]))
            let sums = out.stdout.components(separatedBy: "==\n").filter { !$0.isEmpty }
            #expect(sums.count == readers, "\(out.stderr)", sourceLocation: sourceLocation)
            for (index, sum) in sums.enumerated() {
                #expect(sortedLines(sum) == want, "reader \(index) read different bytes", sourceLocation: sourceLocation)
            }
        }

        /// One reader on one thread decompresses each block it needs once; eight readers on four
        /// threads, reading the same files at the same time, decompress exactly as many blocks
        /// (a thread wanting a block another is decompressing waits for it), and read the
        /// unpacked tree's bytes. With a cache per thread, each thread decompressed its own copy.
        @Test func eachBlockIsDecompressedOnceHoweverManyThreadsWantIt() throws {
            let budget = ["--fuse-cache=256"]  // everything fits: no eviction
            let (alone, one) = try Self.counted(budget, Self.readEverything(readers: 1), env: ["GOURD_FUSE_THREADS": "1"])
            #expect(alone.status == 0, "\(alone.stderr)")
            let (crowd, eight) = try Self.counted(budget, Self.readEverything(readers: 8), env: ["GOURD_FUSE_THREADS": "4"])
            #expect(crowd.status == 0, "\(crowd.stderr)")
            try Self.expectExactBytes(crowd, readers: 8)
            #expect(one["threads"] == 1 && eight["threads"] == 4, "\(one) \(eight)")
            #expect((one["misses"] ?? 0) > 200, "one reader: \(one)")
            #expect(one["evictions"] == 0 && eight["evictions"] == 0, "\(one) \(eight)")
            #expect(eight["misses"] == one["misses"], "blocks decompressed: 1 reader \(one), 8 readers \(eight)")
            // Readers at work together are answered by more than one thread (the lead is handed
            // over before a block is decompressed).
            #expect((eight["answering"] ?? 0) >= 2 && (eight["handoffs"] ?? 0) > 0, "8 readers: \(eight)")
            expectNothingLeft()
        }

        /// One prober (a request at a time, answered from the metadata caches: 3,000 lookups of
        /// names that do not exist, as Python and ld.so make) on four threads:
        /// the leading thread reads its requests one after another and the others stay asleep,
        /// waiting their turn. With every thread in read(2) (GOURD_FUSE_OFF=lead, libfuse's own
        /// loop), the kernel wakes a sleeping thread for every request: as many sleeps as
        /// requests. The 1 ms watch window keeps the leader awake between requests even on a
        /// busy machine.
        @Test func aLoneProberWakesNoIdleThread() throws {
            let walk = "i=0; while [ $i -lt 3000 ]; do [ -e /many/no-$i ]; i=$((i + 1)); done"
            let env = ["GOURD_FUSE_THREADS": "4", "GOURD_FUSE_SPIN_US": "1000"]
            let (out, led) = try Self.counted([], walk, env: env)
            #expect(out.status == 0, "\(out.stderr)")
            let requests = led["requests"] ?? 0
            #expect(requests > 3000 && led["threads"] == 4, "\(led) \(out.stderr)")
            #expect((led["sleeps"] ?? .max) < requests / 4, "serving threads slept for a lone prober: \(led)")
            let (_, unled) = try Self.counted([], walk, env: env.merging(["GOURD_FUSE_OFF": "lead"]) { _, b in b })
            #expect((unled["sleeps"] ?? 0) > (unled["requests"] ?? 0) / 2, "without a leader: \(unled)")
            expectNothingLeft()
        }

        /// A 1 MiB budget holds 8 blocks of 128 KiB: eight readers on four threads evict blocks
        /// constantly, including blocks other readers still hold; the bytes stay exact and the
        /// cache never holds more than its budget plus the blocks requests hold at once.
        @Test func tinyBudgetEvictsUnderReadersAndStaysBounded() throws {
            let (out, stats) = try Self.counted(["--fuse-cache", "1"], Self.readEverything(readers: 8), env: ["GOURD_FUSE_THREADS": "4"])
            #expect(out.status == 0, "\(out.stderr)")
            try Self.expectExactBytes(out, readers: 8)
            let budget = stats["budget"] ?? .max
            #expect(budget <= 1 << 20, "\(stats)")
            #expect((stats["evictions"] ?? 0) > 100, "\(stats)")
            // Each of 4 threads holds at most one request's blocks (a request of up to 1 MiB
            // spans at most 9 blocks of 128 KiB).
            #expect((stats["peak_bytes"] ?? .max) <= budget + 4 * 9 * 131072, "\(stats)")
            expectNothingLeft()
        }

        /// `gourd plan` shows the flag's budget and where it came from; a bad value is one line
        /// naming the flag, exit 125, nothing started.
        @Test func fuseCacheFlagIsPlannedAndCheckedFirst() throws {
            let plan = try Gourd.run(["plan", "--fuse-cache=512", Gourd.env.image(Integration.Serving.image), "true"])
            #expect(plan.status == 0, "\(plan)")
            #expect(plan.stdout.contains("512 MiB block cache, watch up to 50 us [--fuse-cache]"), "\(plan.stdout)")
            for bad in ["--fuse-cache=0", "--fuse-cache=lots", "--fuse-cache=99999"] {
                let out = try Gourd.run(["exec", bad, Gourd.env.image(Integration.Serving.image), "true"])
                #expect(out.status == GourdExit.launchFailed, "\(bad): \(out)")
                #expect(out.stderr.split(separator: "\n").count == 1 && out.stderr.contains("--fuse-cache"), "\(bad): \(out.stderr)")
            }
            expectNothingLeft()
        }

        /// Lookups a script causes beyond a baseline script's (the shell, find and their libraries
        /// are looked up in both).
        static func extraLookups(_ script: String, baseline: String) throws -> Int {
            func lookups(_ script: String) throws -> Int {
                let dir = Scratch.shared.directory("stats")
                let out = try Gourd.run(
                    ["exec", Gourd.env.image(Integration.Serving.image), "sh", "-c", script],
                    env: ["GOURD_FUSE_STATS": dir + "/stats"], timeout: 60)
                #expect(out.status == 0, "\(out)")
                let line = (try? String(contentsOfFile: dir + "/stats", encoding: .utf8)) ?? ""
                // "op1=COUNT/MSms": FUSE_LOOKUP is opcode 1 (linux/fuse.h).
                guard let token = line.split(separator: " ").first(where: { $0.hasPrefix("op1=") }) else {
                    Issue.record("no lookup counter: \(line)")
                    return -1
                }
                return Int(token.dropFirst(4).split(separator: "/").first ?? "") ?? -1
            }
            return try lookups(script) - lookups(baseline)
        }

        /// A workload that stats every name it lists (busybox find, ls -l: 15 directories of
        /// 100 files here) soon gets the attributes with the listings (adaptive readdirplus):
        /// about one directory's worth of lookups instead of one per name (1,515 without).
        @Test func listingsSpareTheLookupsOfAWorkloadThatStatsWhatItLists() throws {
            let walk = try Self.extraLookups("find /many/tree > /dev/null", baseline: "find /many/tree -maxdepth 0 > /dev/null")
            #expect(walk >= 0 && walk < 400, "find of 1,515 names looked up \(walk)")
            let stat = try Self.extraLookups("ls -l /many/tree/* > /dev/null", baseline: "ls -ld /many/tree > /dev/null")
            #expect(stat >= 0 && stat < 400, "ls -l of 1,500 files looked up \(stat)")
            expectNothingLeft()
        }

        /// A corrupt block wanted by eight readers on four threads: the one load fails, every
        /// reader waiting on it gets EIO too (none hangs, none is left waiting), nothing is
        /// cached, the good files still read.
        @Test func corruptBlockFailsEveryWaiterAndIsNotCached() throws {
            let dir = Scratch.shared.directory("stats")
            let file = dir + "/stats"
            let script = """
                for i in 1 2 3 4 5 6 7 8; do (cat /zz/corrupt > /dev/null 2>&1; echo "corrupt $?") & done
                wait
                cat /zz/corrupt > /dev/null 2>&1; echo "again $?"
                cat /bin/busybox > /dev/null; echo "good $?"
                """
            let out = try Gourd.run(
                ["exec", Gourd.env.image("corrupt.sqfs"), "sh", "-c", script],
                env: ["GOURD_FUSE_THREADS": "4", "GOURD_FUSE_STATS": file], timeout: 30)
            #expect(out.status == 0, "\(out)")
            #expect(out.lines.filter { $0 == "corrupt 1" }.count == 8, "\(out)")
            #expect(out.lines.contains("again 1") && out.lines.contains("good 0"), "\(out)")
            let stats = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
            #expect(stats.contains("failures=") && !stats.contains("failures=0 "), "\(stats)")
            expectNothingLeft()
        }
    }
}
