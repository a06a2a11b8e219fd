import CGourdBuild
import Glibc
import GourdCore
import GourdFormats
import GourdRuntime

/// `%files`: copies host files into the root as Apptainer does (`cp -fLr SOURCE DEST`):
/// sources are globs relative to the recipe's directory, symlinks among them are followed,
/// directories are copied recursively, and a destination that is a directory in the image
/// receives the source by its name. Destinations are resolved inside the root.
struct FileCopier {
    let recipe: Recipe
    let recipeDirectory: String
    let writer: RootWriter
    let signals: BuildSignals
    /// The build's own workspace (device, inode): never copied, when a source holds it (a
    /// recipe directory that is also TMPDIR).
    let workspace: (UInt64, UInt64)?

    /// Checks every source before anything is built: a missing one fails the build at once.
    static func sources(of copy: Recipe.FileCopy, recipe: Recipe, directory: String) throws(BuildError) -> [String] {
        // The recipe's directory is a path, not a pattern: its *, ?, [ and \ are escaped.
        let escaped = directory.map { "*?[\\".contains($0) ? "\\\($0)" : String($0) }.joined()
        let pattern = copy.source.hasPrefix("/") ? copy.source : escaped + "/" + copy.source
        var result = glob_t()
        defer { globfree(&result) }
        let rc = glob(pattern, GLOB_NOSORT, nil, &result)
        guard rc == 0 else {
            throw .at(
                recipe, line: copy.line,
                "%files source '\(copy.source)': "
                    + (rc == GLOB_NOMATCH ? "no such file (relative paths start at \(directory))" : "cannot be read"))
        }
        var paths: [String] = []
        for index in 0..<Int(result.gl_pathc) {
            if let path = result.gl_pathv[index] { paths.append(String(cString: path)) }
        }
        for path in paths {
            var st = stat()
            guard stat(path, &st) == 0 else {
                throw .at(recipe, line: copy.line, "%files source '\(path)': \(String(cString: strerror(errno)))")
            }
        }
        return paths.sorted()
    }

    func copyAll() throws(BuildError) {
        for copy in recipe.files {
            let sources = try Self.sources(of: copy, recipe: recipe, directory: recipeDirectory)
            let destination = ArchivePath.imageComponents(copy.destination ?? copy.source)
            // Several sources, a destination written with a final "/", or one that is a
            // directory in the image: the sources go into it, by their names.
            let named = copy.destination ?? copy.source
            let intoDirectory = sources.count > 1 || named.hasSuffix("/") || writer.isDirectory(destination)
            if intoDirectory && !writer.isDirectory(destination) { try writer.directory(destination, mode: 0o755) }
            for source in sources {
                let name = Array((source.split(separator: "/").last.map(String.init) ?? source).utf8)
                let target = intoDirectory ? destination + [name] : destination
                do {
                    try copy1(source, to: target, ancestors: [])
                } catch {
                    throw .at(recipe, line: copy.line, "%files \(source) -> \(ArchivePath.display(target)): \(error.message)")
                }
            }
        }
    }

    /// Copies one host path (symlinks followed) to `target`.
    func copy1(_ source: String, to target: ArchivePath.Components, ancestors: [(UInt64, UInt64)]) throws(BuildError) {
        try signals.check()
        var st = stat()
        guard stat(source, &st) == 0 else { throw .system("stat", path: source, errno: errno) }
        let mode = UInt32(st.st_mode) & 0o7777
        switch st.st_mode & S_IFMT {
        case S_IFDIR:
            let id = (UInt64(st.st_dev), UInt64(st.st_ino))
            if let workspace, workspace == id { return }
            guard !ancestors.contains(where: { $0 == id }), ancestors.count < 256 else {
                throw BuildError("\(source): a symlink loop (the directory contains itself)")
            }
            try writer.directory(target, mode: mode)
            guard let dir = opendir(source) else { throw .system("opendir", path: source, errno: errno) }
            let names = Syscall.entryNames(dir).map { String(decoding: $0, as: UTF8.self) }
            closedir(dir)
            for name in names.sorted() {
                try copy1(source + "/" + name, to: target + [Array(name.utf8)], ancestors: ancestors + [id])
            }
        case S_IFREG:
            let input = open(source, O_RDONLY | O_CLOEXEC)
            guard input >= 0 else { throw .system("open", path: source, errno: errno) }
            defer { close(input) }
            try writer.file(target, mode: mode) { (fd) throws(BuildError) in
                var buffer = [UInt8](repeating: 0, count: 1 << 20)
                while true {
                    let step = buffer.withUnsafeMutableBytes { raw in Syscall.retrying { read(input, raw.baseAddress, raw.count) } }
                    let n: Int
                    switch step {
                    case .success(0): return
                    case .success(let count): n = count
                    case .failure(let error): throw .system("read", path: source, errno: error.rawValue)
                    }
                    let rc = buffer.withUnsafeBytes { gb_write_all(fd, $0.baseAddress, n) }
                    guard rc == 0 else { throw .system("write", path: ArchivePath.display(target) + " (in the image)", result: rc) }
                }
            }
        case S_IFIFO:
            try writer.fifo(target, mode: mode)
        default:
            throw BuildError("\(source): a device or socket cannot be copied into an image")
        }
    }
}
