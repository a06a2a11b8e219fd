// libFuzzer harness: ELF symbol versioning (which glibc a driver library needs, which one an
// image's libc.so.6 provides), ELFVersions.
import GourdCore
import GourdFormats

func fuzzOne(_ bytes: [UInt8]) {
    let read = ELFVersions.fileReader(bytes: bytes)
    _ = ELFVersions.requiredGlibc(read)
    _ = ELFVersions.definedGlibc(read)
}
