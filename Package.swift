// swift-tools-version:6.0
import PackageDescription

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
        // The squashfuse shim: open an image, read files from it, serve it over FUSE.
        // libsquashfuse_ll (which contains libsquashfuse) and libfuse3 are linked explicitly:
        // squashfuse_ll.pc lacks fuse3 and adds a redundant -lsquashfuse.
        .target(
            name: "CGourdImage",
            linkerSettings: [.linkedLibrary("squashfuse_ll"), .linkedLibrary("fuse3")]),
        // The namespace / fork / exec path: single-threaded C, no Swift between fork and exec.
        .target(name: "CGourdLaunch"),
        // gourd build: file operations inside the root being built, its namespaces and seccomp
        // filter (no Swift between fork and exec), gzip/zstd layer decoding.
        .target(
            name: "CGourdBuild",
            linkerSettings: [.linkedLibrary("z"), .linkedLibrary("zstd")]),
        // Site policy TOML through toml++ (libtomlplusplus-dev, header-only) behind a C API.
        // NDEBUG: toml++'s assertions abort on some malformed input (FIELD-NOTES, Libraries).
        .target(
            name: "CGourdTOML",
            cxxSettings: [.define("NDEBUG"), .define("TOML_EXCEPTIONS", to: "0"),
                          .define("TOML_HEADER_ONLY", to: "1"), .define("TOML_ENABLE_FORMATTERS", to: "0")]),
        // Pure readers of foreign bytes (hostile input): tar, OCI, SIF, ELF, ld.so.cache, TOML.
        .target(name: "GourdFormats", dependencies: ["CGourdTOML"]),
        // Pure planning: flags + host + image metadata -> LaunchPlan. No syscalls with effects.
        .target(name: "GourdCore", dependencies: ["GourdFormats"]),
        // Executes a LaunchPlan: namespaces, FUSE server, signal forwarding, exit status.
        .target(
            name: "GourdRuntime",
            dependencies: [
                "GourdCore", "CGourdImage", "CGourdLaunch",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        // `gourd build`: recipe -> root file system -> squashfs, in its own namespaces.
        .target(
            name: "GourdBuild",
            dependencies: [
                "GourdCore", "GourdRuntime", "CGourdBuild",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .executableTarget(
            name: "gourd",
            dependencies: [
                "GourdCore", "GourdRuntime", "GourdBuild",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Test inputs built byte by byte (SIF files), shared by the pure test targets.
        .target(name: "GourdTestFixtures", dependencies: ["GourdFormats"], path: "Tests/GourdTestFixtures"),
        .testTarget(name: "GourdFormatsTests", dependencies: ["GourdFormats", "GourdTestFixtures"]),
        .testTarget(name: "GourdCoreTests", dependencies: ["GourdCore", "GourdTestFixtures"]),
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
