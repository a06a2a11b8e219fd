import CGourdBuild
import CGourdCommon
import Glibc
import GourdCore
import GourdFormats
import GourdRegistry
import GourdRuntime

/// `gourd build OUTPUT RECIPE`, step by step: read and check the recipe, enter the build's
/// user namespace, bootstrap the root in a temporary workspace, add %files, run %post,
/// write the metadata, run %test, pack with mksquashfs into OUTPUT.gourd-tmp.PID and rename
/// it to OUTPUT. Whatever happens (an error, SIGINT, SIGTERM), the workspace and the
/// temporary output are removed before gourd exits: OUTPUT either is the finished image or
/// is left as it was.
public enum BuildRunner {
    public static func run(_ request: BuildRequest) throws(BuildError) {
        let log = BuildLog(quiet: request.quiet)
        let recipe: Recipe
        if let text = request.recipeText {
            do { recipe = try RecipeParser.parse(Array(text.utf8), file: request.recipe) } catch { throw .recipe(error) }
        } else {
            recipe = try readRecipe(request.recipe)
        }
        let recipeDirectory = request.recipeText == nil ? directory(of: request.recipe) : "/"
        guard Packer.compressions.contains(request.compression) else {
            throw BuildError("--compression \(request.compression): use one of \(Packer.compressions.joined(by: ", "))")
        }
        let output = try checkOutput(request.output, force: request.force)
        for copy in recipe.files { _ = try FileCopier.sources(of: copy, recipe: recipe, directory: recipeDirectory) }
        try Bootstrapper.check(recipe, directory: recipeDirectory)
        for key in recipe.ignoredKeys {
            log.warning("\(recipe.file):\(key.line): \(key.key) has no effect: gourd run follows docker run (entrypoint, then cmd)")
        }
        let time: Int64
        if let fixed = request.buildTime { time = fixed } else { time = try buildTime(recipePath: request.recipe) }

        let signals = try BuildSignals()
        try enterUserNamespace()
        umask(0)  // modes from archives and images are applied exactly
        let tmpdir = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        let workspace = try BuildWorkspace(tmpdir: tmpdir)
        defer { workspace.remove() }
        let temporary = "\(output).gourd-tmp.\(getpid())"
        do throws(BuildError) {
            try build(
                recipe: recipe, directory: recipeDirectory, workspace: workspace, signals: signals, log: log,
                time: time, version: request.gourdVersion, registry: request.registry)
            log.step("packing \(output) (mksquashfs, \(request.compression))")
            try Packer(workspace: workspace, signals: signals, log: log)
                .pack(to: temporary, compression: request.compression, time: time)
            try signals.check()
            guard rename(temporary, output) == 0 else { throw BuildError.system("rename", path: "\(temporary) to \(output)", errno: errno) }
        } catch {
            unlink(temporary)
            throw error
        }
        var st = stat()
        let size = stat(output, &st) == 0 ? BuildLog.size(UInt64(st.st_size)) : "?"
        log.step("wrote \(output) (\(size))")
    }

    static func build(
        recipe: Recipe, directory: String, workspace: BuildWorkspace, signals: BuildSignals,
        log: BuildLog, time: Int64, version: String, registry: PullOptions = PullOptions()
    ) throws(BuildError) {
        let writer = RootWriter(rootFD: workspace.rootFD)
        var base = try Bootstrapper(
            recipe: recipe, recipeDirectory: directory, workspace: workspace, log: log,
            signals: signals, registry: registry
        ).run()
        try signals.check()
        try skeleton(writer)
        // Before %post, which hpccm-style recipes start with `. /.singularity.d/env/10-docker2singularity.sh`.
        if ["docker-archive", "oci-archive", "oci"].contains(recipe.bootstrap.agent), !base.environment.isEmpty {
            try writer.file(
                ArchivePath.imageComponents(ApptainerLayout.dockerEnvironment), mode: 0o755,
                contents: Array(ApptainerLayout.dockerEnvironmentScript(base.environment).utf8))
        }
        if !recipe.files.isEmpty {
            log.step("%files: \(recipe.files.count) entr\(recipe.files.count == 1 ? "y" : "ies")")
            var st = stat()
            let id = stat(workspace.path, &st) == 0 ? (UInt64(st.st_dev), UInt64(st.st_ino)) : nil
            try FileCopier(recipe: recipe, recipeDirectory: directory, writer: writer, signals: signals, workspace: id).copyAll()
        }
        let scripts = ScriptRunner(workspace: workspace, signals: signals)
        if let post = recipe.post {
            log.step("%post (\(recipe.file):\(post.line))")
            let labels = try runPost(post, recipe: recipe, base: base, writer: writer, workspace: workspace, scripts: scripts)
            // Labels %post added come after the base's; the recipe's %labels win over both.
            base.labels.merge(labels) { _, new in new }
        }
        for file in RecipeMetadata.files(recipe: recipe, base: base, buildTime: time, gourdVersion: version) {
            try writer.file(ArchivePath.imageComponents(file.path), mode: file.mode, contents: file.contents)
        }
        if let test = recipe.test {
            log.step("%test (\(recipe.file):\(test.line))")
            let argv =
                writer.statInside(["bin", "sh"].map { Array($0.utf8) }) != nil
                ? [
                    "/bin/sh", "-c", ApptainerLayout.sourceEnvironmentScripts + "exec \"$@\"",
                    "test", ApptainerLayout.test,
                ]
                : [ApptainerLayout.test]
            // The image's own environment (the base's; %environment is sourced by the wrapper).
            let code = try scripts.run(
                argv, environment: ScriptRunner.environment(base: base, extra: []), readOnly: true,
                tmp: try workspace.scratchDirectory("test-tmp"), what: "%test")
            guard code == 0 else { throw .at(recipe, line: test.line, "%test failed: \(describe(code))") }
        }
        // The image root is 0755 whatever the workspace's was.
        guard chmod(workspace.root, 0o755) == 0 else { throw .system("chmod", path: workspace.root, errno: errno) }
    }

    /// Runs %post; returns the labels it appended to $APPTAINER_LABELS.
    static func runPost(
        _ post: Recipe.Script, recipe: Recipe, base: BaseImage, writer: RootWriter,
        workspace: BuildWorkspace, scripts: ScriptRunner
    ) throws(BuildError) -> [String: String] {
        // The script is read by the shell from the workspace's /tmp, which is not packed.
        let scriptName = ".gourd-post.sh"
        let scriptPath = workspace.tmp + "/" + scriptName
        try writeHostFile(scriptPath, post.text + "\n")
        // apt drops to the _apt user to download and then checks that getuid() changed; with
        // one id in the namespace (and setresuid only pretending, see gb_seccomp.c) that check
        // fails. This file, outside the image and named only in %post's environment, keeps
        // apt's methods running as the namespace's root instead.
        let aptConfig = ".gourd-apt.conf"
        try writeHostFile(
            workspace.tmp + "/" + aptConfig,
            """
            // gourd build, %post only (not in the image): no _apt sandbox with one mapped id.
            APT::Sandbox::User "root";

            """)
        // Like Apptainer: `export` lines appended to $APPTAINER_ENVIRONMENT become runtime environment.
        let postEnvironment = ArchivePath.imageComponents(ApptainerLayout.postEnvironment)
        try writer.file(postEnvironment, mode: 0o644, contents: [])
        // And `KEY VALUE` lines appended to $APPTAINER_LABELS become labels.
        let buildLabels = ArchivePath.imageComponents(ApptainerLayout.buildLabels)
        try writer.file(buildLabels, mode: 0o644, contents: [])
        let interpreter = post.interpreter ?? "/bin/sh"
        let shell = ["sh", "bash", "dash", "ash", "ksh", "zsh"].contains(interpreter.split(separator: "/").last.map(String.init) ?? "")
        let argv = [interpreter] + (shell ? ["-e"] : []) + post.options + ["/tmp/" + scriptName]
        let environment = ScriptRunner.environment(
            base: base,
            extra: [
                "APPTAINER_ENVIRONMENT=\(ApptainerLayout.postEnvironment)",
                "SINGULARITY_ENVIRONMENT=\(ApptainerLayout.postEnvironment)",
                "APPTAINER_LABELS=\(ApptainerLayout.buildLabels)", "SINGULARITY_LABELS=\(ApptainerLayout.buildLabels)",
            ] + (base.environment.contains { $0.hasPrefix("APT_CONFIG=") } ? [] : ["APT_CONFIG=/tmp/\(aptConfig)"]))
        let code = try scripts.run(argv, environment: environment, readOnly: false, tmp: workspace.tmp, what: "%post")
        guard code == 0 else { throw .at(recipe, line: post.line, "%post failed: \(describe(code))") }
        if let st = writer.lstatInside(postEnvironment), st.st_mode & S_IFMT == S_IFREG, st.st_size == 0 {
            try writer.remove(postEnvironment)
        }
        var labels: [String: String] = [:]
        if let st = writer.lstatInside(buildLabels), st.st_mode & S_IFMT == S_IFREG {
            labels = ApptainerLayout.buildLabels(String(decoding: writer.read(buildLabels, limit: 1 << 20) ?? [], as: UTF8.self))
        }
        if writer.lstatInside(buildLabels) != nil { try writer.remove(buildLabels) }
        return labels
    }

    static func writeHostFile(_ path: String, _ text: String) throws(BuildError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .system("open", path: path, errno: errno) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { gb_write_all(fd, $0.baseAddress, $0.count) }
        guard written == 0 else { throw .system("write", path: path, result: written) }
    }

    static func describe(_ code: Int32) -> String {
        code > 128 && code < 128 + 65 ? "killed by signal \(code - 128)" : "exit status \(code)"
    }

    /// Mount points and files every image gets (as Apptainer's base environment does), when
    /// the base lacks them: gourd binds /proc, /dev, /tmp, /sys, home and these /etc files.
    static func skeleton(_ writer: RootWriter) throws(BuildError) {
        let directories: [(String, UInt32)] = [
            ("proc", 0o555), ("sys", 0o555), ("dev", 0o755), ("tmp", 0o1777),
            ("home", 0o755), ("root", 0o700), ("etc", 0o755), ("var", 0o755),
            ("var/tmp", 0o1777),
        ]
        for (path, mode) in directories {
            let parts = ArchivePath.imageComponents(path)
            if writer.lstatInside(parts) == nil { try writer.directory(parts, mode: mode) }
        }
        for path in ["etc/hosts", "etc/resolv.conf"] {
            let parts = ArchivePath.imageComponents(path)
            if writer.lstatInside(parts) == nil { try writer.file(parts, mode: 0o644, contents: []) }
        }
    }

    // MARK: checks before the build

    static func readRecipe(_ path: String) throws(BuildError) -> Recipe {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system("recipe", path: path, errno: errno) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .system("stat", path: path, errno: errno) }
        guard st.st_mode & S_IFMT == S_IFREG else { throw BuildError("recipe \(path): not a regular file") }
        guard st.st_size <= 4 << 20 else { throw BuildError("recipe \(path): larger than 4 MiB: is this a recipe?") }
        let bytes: [UInt8]
        switch Syscall.readAll(fd, limit: 4 << 20) {
        case .success(let all): bytes = all
        case .failure(let error): throw .system("read", path: path, errno: error.rawValue)
        }
        do { return try RecipeParser.parse(bytes, file: path) } catch { throw .recipe(error) }
    }

    static func realPath(_ path: String) -> String {
        var resolved = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard realpath(path, &resolved) != nil else { return path }
        return String(decoding: resolved.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The directory holding `path`, symlinks resolved.
    static func directory(of path: String) -> String {
        let full = realPath(path)
        let parts = full.split(separator: "/", omittingEmptySubsequences: false).dropLast()
        let dir = parts.joined(by: "/")
        return dir.isEmpty ? (full.hasPrefix("/") ? "/" : ".") : dir
    }

    /// OUTPUT as an absolute path whose directory exists; it must not exist unless --force.
    static func checkOutput(_ path: String, force: Bool) throws(BuildError) -> String {
        guard !path.isEmpty, !path.hasSuffix("/") else { throw BuildError("output \(path): name a file, not a directory") }
        var st = stat()
        if lstat(path, &st) == 0 {
            guard st.st_mode & S_IFMT != S_IFDIR else { throw BuildError("output \(path): is a directory") }
            guard force else { throw BuildError("output \(path): already exists (--force replaces it)") }
        }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let given = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(by: "/")
        let dir = realPath(given.isEmpty ? (path.hasPrefix("/") ? "/" : ".") : given)
        var dirStat = stat()
        guard stat(dir, &dirStat) == 0, dirStat.st_mode & S_IFMT == S_IFDIR else {
            throw BuildError("output \(path): no such directory \(dir)")
        }
        guard access(dir, W_OK) == 0 else { throw .system("output", path: dir, errno: errno) }
        return dir == "/" ? "/" + name : dir + "/" + name
    }

    /// SOURCE_DATE_EPOCH when set (reproducible-builds.org), else the recipe's modification
    /// time: the same recipe and inputs give the same bytes.
    static func buildTime(recipePath: String) throws(BuildError) -> Int64 {
        if let value = getenv("SOURCE_DATE_EPOCH").map({ String(cString: $0) }), !value.isEmpty {
            guard let seconds = Int64(value), seconds >= 0, seconds <= Int64(UInt32.max) else {
                throw BuildError("SOURCE_DATE_EPOCH=\(value): not a number of seconds between 0 and \(UInt32.max)")
            }
            return seconds
        }
        var st = stat()
        guard stat(recipePath, &st) == 0 else { throw .system("stat", path: recipePath, errno: errno) }
        return Int64(st.st_mtim.tv_sec)
    }

    /// Root of a user namespace that maps only the builder (see gb_spawn.c).
    static func enterUserNamespace() throws(BuildError) {
        let threads = gc_thread_count()
        guard threads == 1 else {
            throw BuildError("internal error: \(threads) threads before unshare(CLONE_NEWUSER), which needs one")
        }
        var step: UnsafePointer<CChar>?
        let rc = gb_enter_user_namespace(getuid(), getgid(), &step)
        guard rc == 0 else {
            throw BuildError(
                "\(step.map { String(cString: $0) } ?? "user namespace"): \(String(cString: strerror(-rc))) (run `gourd check`: builds need unprivileged user namespaces)"
            )
        }
    }
}
