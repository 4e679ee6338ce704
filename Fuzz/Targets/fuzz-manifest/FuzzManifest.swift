// libFuzzer target: a table manifest (Formats/plaza-manifest.md) from arbitrary bytes.
//
// The harness decodes the bytes as they are, then again with the CRC-32C of §3 repaired so that
// mutations reach the body parser. Bad bytes must throw `StorageError`; a manifest that decodes
// as version 1.0 must encode back to exactly the same bytes.
import FuzzDriver
import PlazaCore

@testable import PlazaStorage

/// Decodes `bytes`; a version-1.0 manifest must round-trip byte for byte.
func decode(_ bytes: [UInt8]) {
    do throws(StorageError) {
        let manifest = try Manifest.decode(bytes, path: "fuzz/MANIFEST", table: "fuzz")
        check(manifest.rowCount >= 0, "negative row count")
        let minor = UInt16(bytes[10]) | UInt16(bytes[11]) << 8
        if minor == Manifest.minorVersion {
            check(manifest.encoded() == bytes, "a decoded manifest does not encode to its bytes")
        }
        let again = try Manifest.decode(manifest.encoded(), path: "fuzz/MANIFEST", table: "fuzz")
        check(again == manifest, "a re-encoded manifest decodes differently")
    } catch {
        _ = error.description
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    decode(bytes)
    // §3: the checksum covers bytes 0 ..< 16 + body length and sits right after them.
    if bytes.count >= Manifest.frameSize {
        let bodyLength = Int(UInt32(bytes[12]) | UInt32(bytes[13]) << 8 | UInt32(bytes[14]) << 16 | UInt32(bytes[15]) << 24)
        let checksumOffset = 16 + bodyLength
        if checksumOffset + 4 <= bytes.count {
            let checksum = Manifest.checksum(bytes[0..<checksumOffset])
            for index in 0..<4 { bytes[checksumOffset + index] = UInt8(truncatingIfNeeded: checksum >> (8 * index)) }
            decode(bytes)
        }
    }
    return 0
}

/// Hands the process to libFuzzer (see FuzzDriver).
@main enum Fuzzer {
    static func main() { runFuzzer(fuzzManifest) }
}
