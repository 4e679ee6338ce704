// libFuzzer target: a segment file (Formats/plaza-file-format.md) from arbitrary bytes.
//
// The harness first repairs the footer checksum and every block checksum it can locate, so that
// mutations reach the footer parser and the block decoders instead of stopping at §9's checks;
// then it opens the segment and reads every column of every row group, once plainly and once
// with an IS NOT NULL predicate (block skipping). Bad bytes must throw `FormatError`; a trap, a
// sanitizer report or a row count that disagrees with the footer is a bug.
import FuzzDriver
import PlazaCore
import PlazaVector

@testable import PlazaFormat

/// Rewrites the footer checksum (trailer) and the checksums of the blocks the footer names.
func repairChecksums(_ bytes: inout [UInt8]) {
    let size = bytes.count
    let minimum = SegmentFormat.headerSize + SegmentFormat.trailerSize
    guard size >= minimum else { return }
    let footerLength = Int(UInt32(bytes[size - 16]) | UInt32(bytes[size - 15]) << 8 | UInt32(bytes[size - 14]) << 16
        | UInt32(bytes[size - 13]) << 24)
    guard footerLength <= size - minimum else { return }
    let footerStart = size - SegmentFormat.trailerSize - footerLength
    let footer: SegmentFooter? = bytes.withUnsafeMutableBytes { raw in
        let footerBytes = UnsafeRawBufferPointer(rebasing: raw[footerStart..<(footerStart + footerLength)])
        raw.storeBytes(of: XXHash64.checksum(footerBytes).littleEndian, toByteOffset: size - 12, as: UInt32.self)
        return try? SegmentFooter.parse(footerBytes, dataStart: SegmentFormat.headerSize, dataEnd: footerStart)
    }
    guard let footer else { return }
    bytes.withUnsafeMutableBytes { raw in
        func repair(_ offset: Int, _ length: Int) {
            guard length >= SegmentFormat.blockHeaderSize, offset >= 0, offset + length <= size else { return }
            let base = raw.baseAddress! + offset
            let payload = UnsafeRawBufferPointer(
                start: base + SegmentFormat.blockHeaderSize, count: length - SegmentFormat.blockHeaderSize)
            base.storeBytes(of: blockChecksum(header: base, payload: payload).littleEndian, toByteOffset: 16, as: UInt32.self)
        }
        for group in footer.rowGroups {
            for chunk in group.chunks {
                if let dictionary = chunk.dictionary { repair(dictionary.offset, dictionary.length) }
                for block in chunk.blocks { repair(block.offset, block.length) }
            }
        }
    }
}

/// Reads every row of every row group; returns normally or throws `FormatError`.
func readAll(_ bytes: [UInt8]) throws(FormatError) {
    let reader = try SegmentReader(bytes: bytes, path: "fuzz.plzseg")
    let columns = Array(0..<reader.schema.count)
    let types = reader.schema.fields.map(\.type)
    var total = 0
    for group in 0..<reader.rowGroupCount {
        _ = reader.blockCount(rowGroup: group)
        for column in columns {
            _ = reader.statistics(rowGroup: group, column: column)
            _ = reader.dictionaryEntryCount(rowGroup: group, column: column)
        }
        let cursor = try reader.openRowGroup(group, columns: columns, predicates: [])
        let batch = Batch(types: types)
        var rows = 0
        while try cursor.next(into: batch) {
            check(batch.count > 0 && batch.count <= ColumnVector.batchCapacity, "batch of \(batch.count) rows")
            for vector in batch.columns { check(vector.count == batch.count, "column length differs") }
            // Text lengths read from the offsets alone (an equality's first test) must throw, not trap.
            var mask = [UInt64](repeating: ~0, count: ColumnVector.batchCapacity / 64)
            for (position, type) in types.enumerated() where type == .varchar {
                _ = try mask.withUnsafeMutableBufferPointer { (words) throws(FormatError) -> Bool in
                    try cursor.andLengthEquals(column: position, length: 3, into: words.baseAddress!)
                }
            }
            rows += batch.count
        }
        check(rows == reader.rowCount(rowGroup: group), "read \(rows) rows, footer says \(reader.rowCount(rowGroup: group))")
        total += rows
        if !columns.isEmpty {
            let predicate = ScanPredicate(column: 0, comparison: .isNotNull, constants: [])
            _ = reader.mightMatch(rowGroup: group, columns: columns, predicates: [predicate])
            let filtered = try reader.openRowGroup(group, columns: [0], predicates: [predicate])
            let single = Batch(types: [types[0]])
            var filteredRows = 0
            while try filtered.next(into: single) { filteredRows += single.count }
            check(filteredRows <= rows, "block skipping produced more rows than the row group holds")
        }
    }
    check(total == reader.rowCount, "read \(total) rows, footer says \(reader.rowCount)")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSegment(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    do throws(FormatError) { try readAll(bytes) } catch { _ = error.description }
    repairChecksums(&bytes)
    do throws(FormatError) { try readAll(bytes) } catch { _ = error.description }
    return 0
}

/// Hands the process to libFuzzer (see FuzzDriver).
@main enum Fuzzer {
    static func main() { runFuzzer(fuzzSegment) }
}
