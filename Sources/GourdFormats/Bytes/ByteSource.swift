/// Bytes from somewhere: a file, a region of one, a decompressor.
public protocol ByteSource {
    /// Fills up to `buffer.count` bytes; 0 only at the end of the stream.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int
}
