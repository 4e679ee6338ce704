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

/// `bytes` with the CRC-32C of §3 (also a deletion file's, §10) recomputed, so that mutations
/// reach the body parser; nil when the header's body length points outside the bytes.
func repaired(_ bytes: [UInt8]) -> [UInt8]? {
    guard bytes.count >= Manifest.frameSize else { return nil }
    let bodyLength = Int(UInt32(bytes[12]) | UInt32(bytes[13]) << 8 | UInt32(bytes[14]) << 16 | UInt32(bytes[15]) << 24)
    let checksumOffset = 16 + bodyLength
    guard checksumOffset + 4 <= bytes.count else { return nil }
    var copy = bytes
    let checksum = Manifest.checksum(bytes[0..<checksumOffset])
    for index in 0..<4 { copy[checksumOffset + index] = UInt8(truncatingIfNeeded: checksum >> (8 * index)) }
    return copy
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    let decodeAny = bytes.starts(with: DeletionVector.headMagic) ? decodeDeletions : decode
    decodeAny(bytes)
    if let fixed = repaired(bytes) { decodeAny(fixed) }
    return 0
}

@main enum Fuzzer {
    static func main() { runFuzzer(fuzzManifest) }
}
