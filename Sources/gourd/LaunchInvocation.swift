import GourdCore
import GourdRuntime

/// One parsed `gourd exec|run|shell|plan` command line, however it was parsed.
struct LaunchInvocation: Equatable {
    typealias Mode = LaunchRequest.Mode

    var image: String
    var mode: Mode
    var binds: [String] = []
    var environment: [String] = []
    var cleanEnvironment = false
    var workdir: String?
    var mountHome = true
    var verbose = false
    var gpu: GPUChoice?
    var devices: DeviceMode?
    var share: ShareRequest = .auto
    var contain = false
    var homeSpec: String?
    var noMount: [String] = []
    var scratch: [String] = []
    var workspace: String?
    var envFiles: [String] = []
    var net = false
    var network: String?
    var hostname: String?
    var uts = false
    var ipc = false
    var writableTmpfs = false
    var noEval = false
    var overlays: [String] = []
    var warm: String?
    var fuseCacheMiB: Int?

    var request: LaunchRequest {
        var request = LaunchRequest(
            mode: mode, binds: binds, environment: environment, cleanEnvironment: cleanEnvironment,
            workdir: workdir, mountHome: mountHome, gpu: gpu, devices: devices, share: share)
        request.personality = GlobalOptions.personality
        request.contain = contain
        request.homeSpec = homeSpec
        request.noMount = noMount
        request.scratch = scratch
        request.workspace = workspace
        request.envFiles = envFiles
        request.net = net
        request.network = network
        request.hostname = hostname
        request.uts = uts
        request.ipc = ipc
        request.writableTmpfs = writableTmpfs
        request.overlays = overlays
        request.noEval = noEval
        request.warm = warm
        request.fuseCacheMiB = fuseCacheMiB
        return request
    }

    var launcher: Launcher { Launcher(image: image, request: request) }

    /// Plans and runs; returns the status gourd exits with (the workload's, or 125/126/127).
    /// Prints the plan's warnings (and notes with -v) and any error on stderr.
    func launch() -> Int32 {
        var invocation = self
        if ImageReference.isRemote(image) {
            switch RemoteImage.resolve(image, quiet: false) {
            case .success(let path): invocation.image = path
            case .failure(let failure):
                if !failure.message.isEmpty { FileHandle.standardError.write("gourd: \(failure.message)\n") }
                return GourdExit.launchFailed
            }
        }
        return invocation.launchLocal()
    }

    /// The launch of a local image file.
    func launchLocal() -> Int32 {
        do throws(LaunchError) {
            let prepared = try launcher.prepare()
            let plan = prepared.plan
            let verbose = verbose || GlobalOptions.current.debug
            if verbose { for note in plan.notes { FileHandle.standardError.write("gourd: note: \(note)\n") } }
            if !GlobalOptions.current.quiet {
                for warning in plan.warnings { FileHandle.standardError.write("gourd: warning: \(warning)\n") }
            }
            if verbose, let scope = plan.share {
                FileHandle.standardError.write("gourd: note: sharing one container: \(scope.reason) (\(scope.key))\n")
            }
            return try Launcher.run(prepared) { reason in
                if verbose { FileHandle.standardError.write("gourd: note: cold launch: \(reason)\n") }
            }
        } catch {
            FileHandle.standardError.write("gourd: \(error)\n")
            return error.exitCode
        }
    }
}
