// libFuzzer target: a table manifest (Formats/plaza-manifest.md) from arbitrary bytes, or a
// deletion file (§10) when the bytes start with its magic.
//
// The harness decodes the bytes as they are, then again with the CRC-32C of §3 repaired so that
// mutations reach the body parser. Bad bytes must throw `StorageError`; a manifest that decodes
// as the version this code writes must encode back to exactly the same bytes.
import FuzzDriver
import PlazaCore

@testable import PlazaStorage

/// Decodes `bytes`; a manifest of the version this code writes must round-trip byte for byte.
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

/// The segment and row groups deletion files are checked against (those of §10.3 and the tests).
let deletionShapes: [(segment: String, groupRows: [Int])] = [
    ("000001-000000-00000000000000ab.plzseg", [3]), ("000001-000000-0123456789abcdef.plzseg", [10, 200]),
    ("000001-000000-0123456789abcdef.plzseg", [100, 70, 5000, 5000, 4096, 1]),
]

/// Decodes `bytes` as a deletion file of each shape; one that decodes must encode and decode to itself.
func decodeDeletions(_ bytes: [UInt8]) {
    for shape in deletionShapes {
        do throws(StorageError) {
            let vector = try DeletionVector.decode(
                bytes, segment: shape.segment, groupRows: shape.groupRows, path: "fuzz.plzdel", table: "fuzz")
            check(vector.deletedCount <= shape.groupRows.reduce(0, +), "more rows deleted than there are")
            let again = try DeletionVector.decode(
                vector.encoded(segment: shape.segment), segment: shape.segment, groupRows: shape.groupRows,
                path: "fuzz.plzdel", table: "fuzz")
            check(again == vector, "a re-encoded deletion file decodes differently")
        } catch {
            _ = error.description
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    if bytes.starts(with: DeletionVector.headMagic) {
        decodeDeletions(bytes)
        if bytes.count >= 28 {
            let bodyLength = Int(UInt32(bytes[12]) | UInt32(bytes[13]) << 8 | UInt32(bytes[14]) << 16 | UInt32(bytes[15]) << 24)
            let checksumOffset = 16 + bodyLength
            if checksumOffset + 4 <= bytes.count {
                let checksum = Manifest.checksum(bytes[0..<checksumOffset])
                for index in 0..<4 { bytes[checksumOffset + index] = UInt8(truncatingIfNeeded: checksum >> (8 * index)) }
                decodeDeletions(bytes)
            }
        }
        return 0
    }
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
