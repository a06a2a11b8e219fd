// libFuzzer's entry point, shared by every Swift harness (Fuzz/run compiles it with each): the
// input as bytes, handed to the harness's own `fuzzOne`.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzOne(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
