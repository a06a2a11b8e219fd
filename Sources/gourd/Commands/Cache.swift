import ArgumentParser
import GourdRegistry

extension Gourd {
    struct Cache: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show or clean the pull cache (GOURD_CACHEDIR, else $XDG_CACHE_HOME/gourd or ~/.cache/gourd).",
            subcommands: [List.self, Clean.self])

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the cached images and the space the cache uses.")

            func run() throws {
                let report = CacheReport.read(ImageCache.fromEnvironment())
                print(report.text)
            }
        }

        struct Clean: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Remove cached images, blobs and references (those unused for N days with --days).",
                discussion: "Entries another pull holds a lock on are left alone.")

            @Option(name: .customLong("days"), help: "Only entries not used for this many days.")
            var days: Int?

            func validate() throws {
                if let days, days < 0 { throw ValidationError("--days \(days): a number of days, 0 or more") }
            }

            func run() throws {
                let cache = ImageCache.fromEnvironment()
                let removed = CacheCleaner(cache: cache, days: days).clean()
                print(
                    "removed \(removed.count) entr\(removed.count == 1 ? "y" : "ies"), \(CacheReport.size(removed.bytes)) from \(cache.root)"
                )
            }
        }
    }
}
