/// ASCII bytes the tokenizer looks at.
enum ASCII {
    static let lineFeed = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let quote = UInt8(ascii: "\"")
}

/// Field bounds of up to `rowCapacity` records of one chunk, row-major, in reused buffers.
///
/// Each row keeps room for `stride` fields (the columns, plus one to see a trailing delimiter
/// or a surplus field); `fieldCount` says how many the record really had.
final class FieldBlock {
    /// Bit set in `flags` for a field written in quotes.
    static let quoted: UInt8 = 1
    /// Bit set in `flags` for a quoted field holding doubled quotes (`""`) to undo.
    static let escapedQuotes: UInt8 = 2
    /// `malformed` value: text after a closing quote.
    static let textAfterQuote: UInt8 = 1
    /// `malformed` value: a quoted field still open at the end of the file.
    static let unterminatedQuote: UInt8 = 2

    /// Fields kept per row.
    let stride: Int
    /// Rows the buffers hold.
    let rowCapacity: Int
    /// Rows scanned so far.
    var count = 0
    /// First byte of each field (after its opening quote).
    let starts: UnsafeMutablePointer<Int>
    /// One past the last byte of each field (before its closing quote).
    let ends: UnsafeMutablePointer<Int>
    /// `quoted` / `escapedQuotes` bits of each field.
    let flags: UnsafeMutablePointer<UInt8>
    /// Each record's byte range, without its line break.
    let recordStarts: UnsafeMutablePointer<Int>
    /// One past each record's last byte, before its line break.
    let recordEnds: UnsafeMutablePointer<Int>
    /// Each record's first line, counted from 0 at the chunk's start.
    let lines: UnsafeMutablePointer<Int>
    /// The number of fields each record really had.
    let fieldCounts: UnsafeMutablePointer<Int>
    /// 0, `textAfterQuote` or `unterminatedQuote`.
    let malformed: UnsafeMutablePointer<UInt8>

    /// Creates buffers for `rowCapacity` rows of `stride` fields.
    init(stride: Int, rowCapacity: Int = 2048) {
        precondition(stride > 0 && rowCapacity > 0, "empty field block")
        self.stride = stride
        self.rowCapacity = rowCapacity
        starts = .allocate(capacity: stride * rowCapacity)
        ends = .allocate(capacity: stride * rowCapacity)
        flags = .allocate(capacity: stride * rowCapacity)
        recordStarts = .allocate(capacity: rowCapacity)
        recordEnds = .allocate(capacity: rowCapacity)
        lines = .allocate(capacity: rowCapacity)
        fieldCounts = .allocate(capacity: rowCapacity)
        malformed = .allocate(capacity: rowCapacity)
    }

    deinit {
        starts.deallocate()
        ends.deallocate()
        flags.deallocate()
        recordStarts.deallocate()
        recordEnds.deallocate()
        lines.deallocate()
        fieldCounts.deallocate()
        malformed.deallocate()
    }

    /// Whether the block has no room for another row.
    var isFull: Bool { count == rowCapacity }

    /// Moves row `from` to row `to` (`to < from`), to squeeze out rejected rows.
    func moveRow(_ from: Int, to: Int) {
        (starts + to * stride).update(from: starts + from * stride, count: stride)
        (ends + to * stride).update(from: ends + from * stride, count: stride)
        (flags + to * stride).update(from: flags + from * stride, count: stride)
        recordStarts[to] = recordStarts[from]
        recordEnds[to] = recordEnds[from]
        lines[to] = lines[from]
        fieldCounts[to] = fieldCounts[from]
        malformed[to] = malformed[from]
    }
}

/// Splits a byte range into records and fields (RFC 4180 quoting), one record per call.
///
/// A field is quoted only when its first byte is `"`; inside, `""` is a quote and line breaks
/// belong to the field. Records end at LF or CRLF; blank lines are skipped. The same rule is
/// used by `ChunkSplitter`, so chunks always start at a record.
struct RecordScanner {
    /// The text (whole file); only `position..<end` is scanned.
    let base: UnsafePointer<UInt8>
    /// One past the last byte to scan.
    let end: Int
    /// The field separator.
    let delimiter: UInt8
    /// The next byte to scan.
    var position: Int
    /// Line feeds passed since the scanner started.
    var line = 0

    /// Creates a scanner over `base[start..<end]`.
    init(base: UnsafePointer<UInt8>, start: Int, end: Int, delimiter: UInt8) {
        self.base = base
        self.position = start
        self.end = end
        self.delimiter = delimiter
    }

    /// The high bit of each zero byte of `x`; bits above the lowest zero byte may be false hits,
    /// so only the lowest set bit is meaningful.
    @inline(__always)
    static func zeroBytes(_ x: UInt64) -> UInt64 {
        (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
    }

    /// Skips blank lines; returns false when no record is left.
    @inline(__always)
    mutating func skipBlankLines() -> Bool {
        while position < end {
            let byte = base[position]
            if byte == ASCII.lineFeed {
                position &+= 1
                line &+= 1
            } else if byte == ASCII.carriageReturn && (position + 1 == end || base[position + 1] == ASCII.lineFeed) {
                position &+= 1
            } else {
                return true
            }
        }
        return false
    }

    /// Scans the next record into row `block.count` and counts it; false when no record is left.
    mutating func scanRecord(into block: FieldBlock) -> Bool {
        guard skipBlankLines() else { return false }
        precondition(!block.isFull, "scanning into a full field block")
        let row = block.count
        let stride = block.stride
        let fieldBase = row &* stride
        block.recordStarts[row] = position
        block.lines[row] = line
        var malformed: UInt8 = 0
        var fieldIndex = 0
        var p = position
        var recordEnd = end
        while true {
            var fieldStart = p
            var fieldEnd: Int
            var flag: UInt8 = 0
            if p < end && base[p] == ASCII.quote {
                flag = FieldBlock.quoted
                fieldStart = p &+ 1
                var q = fieldStart
                var isClosed = false
                while q < end {
                    let c = base[q]
                    if c == ASCII.quote {
                        if q &+ 1 < end && base[q &+ 1] == ASCII.quote {
                            flag = FieldBlock.quoted | FieldBlock.escapedQuotes
                            q &+= 2
                            continue
                        }
                        isClosed = true
                        break
                    }
                    if c == ASCII.lineFeed { line &+= 1 }
                    q &+= 1
                }
                if !isClosed {
                    malformed = FieldBlock.unterminatedQuote
                    fieldEnd = end
                    p = end
                } else {
                    fieldEnd = q
                    p = q &+ 1
                    if p < end && base[p] == ASCII.carriageReturn && (p &+ 1 == end || base[p &+ 1] == ASCII.lineFeed) {
                        p &+= 1
                    } else if p < end && base[p] != delimiter && base[p] != ASCII.lineFeed {
                        // Text after the closing quote: the record is bad; read on to the field's end.
                        if malformed == 0 { malformed = FieldBlock.textAfterQuote }
                        while p < end && base[p] != delimiter && base[p] != ASCII.lineFeed { p &+= 1 }
                    }
                }
            } else {
                var q = p
                // Eight bytes at a time: the lowest byte equal to the delimiter or LF ends the field.
                let lineFeeds: UInt64 = 0x0A0A_0A0A_0A0A_0A0A
                let delimiters = UInt64(delimiter) &* 0x0101_0101_0101_0101
                while q &+ 8 <= end {
                    let word = UInt64(littleEndian: UnsafeRawPointer(base + q).loadUnaligned(as: UInt64.self))
                    let hits = RecordScanner.zeroBytes(word ^ lineFeeds) | RecordScanner.zeroBytes(word ^ delimiters)
                    if hits != 0 {
                        q &+= hits.trailingZeroBitCount &>> 3
                        break
                    }
                    q &+= 8
                }
                while q < end {
                    let c = base[q]
                    if c == delimiter || c == ASCII.lineFeed { break }
                    q &+= 1
                }
                fieldEnd = q
                p = q
                if fieldEnd > fieldStart && base[fieldEnd &- 1] == ASCII.carriageReturn
                    && (q == end || base[q] == ASCII.lineFeed)
                {
                    fieldEnd &-= 1
                }
            }
            if fieldIndex < stride {
                block.starts[fieldBase &+ fieldIndex] = fieldStart
                block.ends[fieldBase &+ fieldIndex] = fieldEnd
                block.flags[fieldBase &+ fieldIndex] = flag
            }
            fieldIndex &+= 1
            if p >= end {
                recordEnd = end
                if recordEnd > block.recordStarts[row] && base[recordEnd &- 1] == ASCII.carriageReturn {
                    recordEnd &-= 1
                }
                break
            }
            if base[p] == delimiter {
                p &+= 1
                continue
            }
            // A line feed (a CR before it was consumed above).
            recordEnd = p
            if recordEnd > block.recordStarts[row] && base[recordEnd &- 1] == ASCII.carriageReturn { recordEnd &-= 1 }
            p &+= 1
            line &+= 1
            break
        }
        position = p
        block.recordEnds[row] = recordEnd
        block.fieldCounts[row] = fieldIndex
        block.malformed[row] = malformed
        block.count = row &+ 1
        return true
    }
}
