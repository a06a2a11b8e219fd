import GourdFormats

/// The host's driver files for one vendor: each library bound once under its real file name,
/// with its other names (sonames, links) as symlinks next to it.
struct DriverFiles {
    struct File: Equatable {
        /// Relative to the host directory: "lib/libcuda.so.550.54.15", "bin/nvidia-smi".
        var inside: String
        var source: String
        var aliases: [String]
    }

    var libraries: [File] = []
    var binaries: [File] = []
    var missing: [String] = []
    var isEmpty: Bool { libraries.isEmpty && binaries.isEmpty }

    static func find(_ vendor: GPUVendor, hostFS: any HostFileSystem) -> DriverFiles {
        var files = DriverFiles()
        var cache: LdSoCache?? = .none
        for library in vendor.libraries {
            var found = vendor.libraryDirectories.flatMap { directory in
                (hostFS.list(directory) ?? []).sorted()
                    .filter { $0 == library || $0.hasPrefix(library + ".") }
                    .map { ($0, Paths.join(directory, $0)) }
            }
            if found.isEmpty {
                if case .none = cache { cache = .some(hostFS.readFile("/etc/ld.so.cache", limit: 64 << 20).flatMap(LdSoCache.parse)) }
                found = (cache ?? nil)?.matching(library).map { ($0.name, $0.path) } ?? []
            }
            if found.isEmpty { files.missing.append(library) }
            for (name, path) in found {
                guard let real = hostFS.realPath(path), hostFS.kind(real) == .file else { continue }
                files.addLibrary(name: name, source: real)
            }
        }
        for binary in vendor.binaries {
            let path = vendor.binaryDirectories.map { Paths.join($0, binary) }.first { hostFS.kind($0) == .file }
            guard let path, let real = hostFS.realPath(path) else {
                files.missing.append(binary)
                continue
            }
            files.binaries.append(File(inside: "bin/" + binary, source: real, aliases: []))
        }
        return files
    }

    mutating func addLibrary(name: String, source: String) {
        let realName = Paths.lastComponent(source)
        if let index = libraries.firstIndex(where: { $0.source == source }) {
            if name != realName && !libraries[index].aliases.contains(name) { libraries[index].aliases.append(name) }
            return
        }
        // Two different files under one name: the first found wins (library_dirs before the cache).
        guard !libraries.contains(where: { $0.inside == "lib/" + realName || $0.aliases.contains(name) }) else { return }
        libraries.append(File(inside: "lib/" + realName, source: source, aliases: name == realName ? [] : [name]))
    }
}
