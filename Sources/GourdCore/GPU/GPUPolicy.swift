/// `[gpu]` of the policy.
public struct GPUPolicy: Sendable, Equatable, Codable {
    public var defaultChoice: GPUChoice
    public var defaultOrigin: PolicyOrigin?
    /// In the order `auto` and `any` try them.
    public var vendors: [GPUVendor]

    public init(
        defaultChoice: GPUChoice = .none, defaultOrigin: PolicyOrigin? = nil,
        vendors: [GPUVendor] = [.nvidia, .amd]
    ) {
        self.defaultChoice = defaultChoice
        self.defaultOrigin = defaultOrigin
        self.vendors = vendors
    }

    public func vendor(named name: String) -> GPUVendor? { vendors.first { $0.name == name } }
}
