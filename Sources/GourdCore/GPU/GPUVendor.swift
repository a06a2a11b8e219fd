/// What one GPU vendor needs inside a container (like Apptainer's nvliblist.conf and
/// rocmliblist.conf, plus the device nodes and the scheduler's variables).
public struct GPUVendor: Sendable, Equatable, Codable {
    public var name: String
    /// Device node of GPU number N, e.g. "/dev/nvidia{N}", "/dev/dri/renderD{N+128}". The
    /// first pattern decides which GPUs the node has; the others are bound along with it.
    public var perGPU: [String]
    /// Nodes every GPU process needs (control, UVM, caps), as paths or "*" globs in the last
    /// component; bound when at least one GPU is, skipped when absent.
    public var devices: [String]
    /// Library names ("libcuda.so" matches libcuda.so.1 and libcuda.so.550.54.15), searched in
    /// `libraryDirectories` and then in the host's ld.so cache.
    public var libraries: [String]
    /// Program names searched in `binaryDirectories`.
    public var binaries: [String]
    public var libraryDirectories: [String]
    public var binaryDirectories: [String]
    /// Variables a scheduler sets to global GPU numbers (device minors), in precedence order.
    public var allocationVariables: [String]
    /// Variables holding indices among the GPUs the process can open (renumbered from 0 under
    /// a device cgroup) or UUIDs; they narrow the allocation and are renumbered inside.
    public var visibleVariables: [String]
    /// Set inside when GPUs are bound.
    public var environment: [PolicyVariable]
    public var origin: PolicyOrigin?

    public init(
        name: String, perGPU: [String], devices: [String], libraries: [String], binaries: [String],
        libraryDirectories: [String] = [], binaryDirectories: [String] = GPUVendor.standardBinaryDirectories,
        allocationVariables: [String], visibleVariables: [String], environment: [PolicyVariable] = [],
        origin: PolicyOrigin? = nil
    ) {
        self.name = name
        self.perGPU = perGPU
        self.devices = devices
        self.libraries = libraries
        self.binaries = binaries
        self.libraryDirectories = libraryDirectories
        self.binaryDirectories = binaryDirectories
        self.allocationVariables = allocationVariables
        self.visibleVariables = visibleVariables
        self.environment = environment
        self.origin = origin
    }

    public static let standardBinaryDirectories = ["/usr/bin", "/usr/local/bin", "/usr/sbin", "/bin"]

    /// NVIDIA: the device nodes of nvidia.ko, nvidia-uvm and nvidia-modeset; the driver's
    /// user-space libraries (Apptainer's nvliblist.conf, less the X/GL-only ones a compute
    /// container does not need are kept: they are skipped when the host lacks them).
    public static let nvidia = GPUVendor(
        name: "nvidia",
        perGPU: ["/dev/nvidia{N}"],
        devices: [
            "/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/nvidia-modeset",
            "/dev/nvidia-caps/*",
        ],
        libraries: [
            "libcuda.so", "libcudadebugger.so", "libnvidia-ml.so", "libnvidia-ptxjitcompiler.so",
            "libnvidia-nvvm.so", "libnvidia-opencl.so", "libnvidia-cfg.so", "libnvidia-compiler.so",
            "libnvidia-fatbinaryloader.so", "libnvidia-gpucomp.so", "libnvidia-allocator.so",
            "libnvidia-encode.so", "libnvidia-opticalflow.so", "libnvcuvid.so", "libnvidia-rtcore.so",
            "libnvoptix.so", "libnvidia-tls.so", "libnvidia-glcore.so", "libnvidia-eglcore.so",
            "libnvidia-glsi.so", "libnvidia-glvkspirv.so", "libEGL_nvidia.so", "libGLX_nvidia.so",
            "libGLESv1_CM_nvidia.so", "libGLESv2_nvidia.so", "libnvidia-fbc.so", "libnvidia-ifr.so",
        ],
        binaries: [
            "nvidia-smi", "nvidia-debugdump", "nvidia-persistenced", "nvidia-cuda-mps-control",
            "nvidia-cuda-mps-server",
        ],
        allocationVariables: ["SLURM_STEP_GPUS", "SLURM_JOB_GPUS"],
        visibleVariables: ["CUDA_VISIBLE_DEVICES"])

    /// AMD: the KFD compute node and one DRM render node per GPU; ROCm's user space usually
    /// comes with the image, so only the thunk and SMI libraries are injected when present.
    public static let amd = GPUVendor(
        name: "amd",
        perGPU: ["/dev/dri/renderD{N+128}"],
        devices: ["/dev/kfd"],
        libraries: [
            "libhsakmt.so", "librocm_smi64.so", "libdrm_amdgpu.so", "libamdhip64.so",
            "libhsa-runtime64.so", "libamd_comgr.so",
        ],
        binaries: ["rocm-smi", "rocminfo"],
        allocationVariables: ["SLURM_STEP_GPUS", "SLURM_JOB_GPUS"],
        visibleVariables: ["ROCR_VISIBLE_DEVICES", "GPU_DEVICE_ORDINAL", "HIP_VISIBLE_DEVICES"])
}
