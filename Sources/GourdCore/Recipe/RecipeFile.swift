#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A file gourd writes into the image it builds.
public struct RecipeFile: Sendable, Equatable {
    /// Absolute path inside the image.
    public var path: String
    public var contents: [UInt8]
    public var mode: UInt32
    public init(path: String, contents: [UInt8], mode: UInt32) {
        self.path = path
        self.contents = contents
        self.mode = mode
    }
    public var text: String { String(decoding: contents, as: UTF8.self) }
}
