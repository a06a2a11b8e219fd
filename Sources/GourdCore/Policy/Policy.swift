/// A site's policy: what every container on the cluster gets and what users may ask for.
/// Parsed from TOML by `PolicyParser`; `Policy.builtIn` when the site has no file.
///
/// Every rule keeps `PolicyOrigin` (file, line, key) so that plans and errors can say which
/// line of which file put it there.
public struct Policy: Sendable, Equatable, Codable {
    /// The file it was read from; nil for the built-in defaults.
    public var file: String?
    /// `[[bind]]`: host paths bound into every container.
    public var binds: [PolicyBind]
    /// `[binds]`: which host paths users may bind with --bind / GOURD_BIND.
    public var userBinds: BindRules
    /// `[images]`: which images may run.
    public var images: ImageRules
    /// `[devices]`: minimal /dev or the host's, and the extra nodes a minimal /dev gets.
    public var devices: DevicePolicy
    /// `[gpu]`: the default choice and each vendor's devices, libraries and environment.
    public var gpu: GPUPolicy
    /// `[environment]`: variables the site sets and names users may not set.
    public var environment: EnvironmentPolicy
    /// `[serving]`: the FUSE server's cache budget and threads.
    public var serving: ServingPolicy = ServingPolicy()
    /// `[warm]`: the default linger of warm image servers, or off.
    public var warm: WarmPolicy = WarmPolicy()

    public init(
        file: String? = nil, binds: [PolicyBind] = [], userBinds: BindRules = BindRules(),
        images: ImageRules = ImageRules(), devices: DevicePolicy = DevicePolicy(),
        gpu: GPUPolicy = GPUPolicy(), environment: EnvironmentPolicy = EnvironmentPolicy()
    ) {
        self.file = file
        self.binds = binds
        self.userBinds = userBinds
        self.images = images
        self.devices = devices
        self.gpu = gpu
        self.environment = environment
    }

    /// What gourd does when no policy file exists: no extra binds, any bind and image allowed,
    /// minimal /dev, GPUs only on request, NVIDIA and AMD defaults as below.
    public static let builtIn = Policy()
}
