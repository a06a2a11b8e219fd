// swift-tools-version:6.0
import PackageDescription

// Targets, lowest first; Sources/README.md draws the graph. Each target's README.md says what
// it owns and is not a source file.
let readme = ["README.md"]
let systemAndCrypto: [Target.Dependency] = [
    .product(name: "SystemPackage", package: "swift-system"),
    .product(name: "Crypto", package: "swift-crypto"),
]

let package = Package(
    name: "gourd",
    products: [.executable(name: "gourd", targets: ["gourd"])],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        // sha256 of images for policy allow-lists.
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // What the launch and build C targets both need after clone (fd paths, in-root opens,
        // mount restriction, raw clone, /proc/self writes) and the exit codes 125/126/127.
        .target(name: "CGourdCommon", exclude: readme),
        // The squashfuse shim: open an image, read files from it, serve it over FUSE.
        // libsquashfuse_ll (which contains libsquashfuse) and libfuse3 are linked explicitly:
        // squashfuse_ll.pc lacks fuse3 and adds a redundant -lsquashfuse.
        .target(
            name: "CGourdImage", exclude: readme,
            linkerSettings: [.linkedLibrary("squashfuse_ll"), .linkedLibrary("fuse3"), .linkedLibrary("zstd")]),
        // The namespace / fork / exec path: single-threaded C, no Swift between fork and exec.
        .target(name: "CGourdLaunch", dependencies: ["CGourdCommon"], exclude: readme),
        // gourd build: file operations inside the root being built, its namespaces and seccomp
        // filter (no Swift between fork and exec), gzip/zstd layer decoding.
        .target(
            name: "CGourdBuild", dependencies: ["CGourdCommon"], exclude: readme,
            linkerSettings: [.linkedLibrary("z"), .linkedLibrary("zstd")]),
        // HTTP(S) for gourd pull: libcurl loaded with dlopen on the first request (no DT_NEEDED:
        // a launch that does not pull never maps it); curl.h from libcurl4-openssl-dev.
        .target(name: "CGourdFetch", exclude: readme),
        // Site policy TOML through toml++ (libtomlplusplus-dev, header-only) behind a C API.
        // NDEBUG: toml++'s assertions abort on some malformed input (docs/PLATFORM-NOTES.md, "toml++").
        .target(
            name: "CGourdTOML", exclude: readme,
            cxxSettings: [
                .define("NDEBUG"), .define("TOML_EXCEPTIONS", to: "0"),
                .define("TOML_HEADER_ONLY", to: "1"), .define("TOML_ENABLE_FORMATTERS", to: "0"),
            ]),
        // Pure readers of foreign bytes (hostile input): tar, OCI, SIF, ELF, ld.so.cache, TOML.
        .target(name: "GourdFormats", dependencies: ["CGourdTOML"], exclude: readme),
        // Pure planning: flags + host + image metadata -> LaunchPlan. No syscalls with effects.
        .target(name: "GourdCore", dependencies: ["GourdFormats"], exclude: readme),
        // Executes a LaunchPlan: namespaces, FUSE server, signal forwarding, exit status.
        .target(
            name: "GourdRuntime",
            dependencies: ["GourdCore", "CGourdCommon", "CGourdImage", "CGourdLaunch"] + systemAndCrypto,
            exclude: readme),
        // `gourd pull`: registries (OCI distribution API) into the content-addressed cache.
        .target(
            name: "GourdRegistry",
            dependencies: ["GourdCore", "GourdRuntime", "CGourdFetch"] + systemAndCrypto,
            exclude: readme),
        // `gourd build`: recipe -> root file system -> squashfs, in its own namespaces.
        .target(
            name: "GourdBuild",
            dependencies: ["GourdCore", "GourdRuntime", "GourdRegistry", "CGourdCommon", "CGourdBuild"] + systemAndCrypto,
            exclude: readme),
        .executableTarget(
            name: "gourd",
            dependencies: [
                "GourdCore", "GourdRuntime", "GourdBuild", "GourdRegistry",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            exclude: readme),
        // Test inputs built byte by byte (SIF files), shared by the pure test targets.
        .target(name: "GourdTestFixtures", dependencies: ["GourdFormats"], path: "Tests/GourdTestFixtures"),
        // Pure tests, one target per library target (`make unit-test` runs them all).
        .testTarget(name: "GourdFormatsTests", dependencies: ["GourdFormats", "GourdTestFixtures"]),
        .testTarget(name: "GourdCoreTests", dependencies: ["GourdCore", "GourdTestFixtures"]),
        .testTarget(
            name: "GourdRuntimeTests",
            dependencies: ["GourdRuntime", "CGourdCommon", .product(name: "SystemPackage", package: "swift-system")]),
        .testTarget(name: "GourdBuildTests", dependencies: ["GourdBuild", "GourdCore"]),
        // The command line: the fast launch parser agrees with swift-argument-parser.
        .testTarget(name: "GourdCLITests", dependencies: ["gourd"]),
        // Spawning (ptys, clean descriptor sets) for the integration tests, in C because the
        // test runner is multi-threaded and only async-signal-safe calls may follow fork.
        .target(
            name: "CGourdTestSupport", path: "Tests/CGourdTestSupport",
            linkerSettings: [.linkedLibrary("util")]),
        // Runs the built gourd binary as an ordinary user against real images.
        .testTarget(name: "GourdIntegrationTests", dependencies: ["CGourdTestSupport", "GourdCore", "GourdFormats"]),
    ],
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: .cxx17
)
