/// A mount point gourd's FUSE server shows although the image lacks it.
public struct AddedMountPoint: Sendable, Equatable, Codable {
    public var path: String
    public var isDirectory: Bool
    public init(path: String, isDirectory: Bool) {
        self.path = path
        self.isDirectory = isDirectory
    }
}
