/// The deleted rows of one segment, row group by row group (Formats/plaza-manifest.md §10).
///
/// A row group's rows are a bitmap of 64-bit words, bit `i` of word `w` (LSB first) set when row
/// `64 w + i` is deleted; a row group without deleted rows has no words. Immutable once built, so
/// snapshots share it between scan threads.
struct DeletionVector: Hashable, Sendable {
    /// Per row group: its deleted-row bitmap (`(rows + 63) / 64` words), or nil when none is deleted.
    private(set) var groups: [[UInt64]?]
    /// Per row group: its row count.
    let groupRows: [Int]
    /// Per row group: how many of its rows are deleted.
    private(set) var deletedInGroup: [Int]

    /// No row deleted in row groups of `groupRows` rows each.
    init(groupRows: [Int]) {
        self.groupRows = groupRows
        self.groups = Array(repeating: nil, count: groupRows.count)
        self.deletedInGroup = Array(repeating: 0, count: groupRows.count)
    }

    /// The deleted rows of the whole segment.
    var deletedCount: Int { deletedInGroup.reduce(0, +) }

    /// Marks row `row` of row group `group` deleted; returns whether it was live before.
    @discardableResult
    mutating func delete(group: Int, row: Int) -> Bool {
        precondition(row >= 0 && row < groupRows[group], "row \(row) outside row group \(group)")
        if groups[group] == nil { groups[group] = Array(repeating: 0, count: (groupRows[group] + 63) / 64) }
        let bit: UInt64 = 1 &<< UInt64(row & 63)
        if groups[group]![row >> 6] & bit != 0 { return false }
        groups[group]![row >> 6] |= bit
        deletedInGroup[group] += 1
        return true
    }

    /// Makes `words` (bits past the row group's rows clear) the deleted rows of row group `group`.
    mutating func setWords(group: Int, _ words: [UInt64]) {
        precondition(words.count == (groupRows[group] + 63) / 64, "bitmap of row group \(group) has the wrong size")
        let deleted = words.reduce(0) { $0 + $1.nonzeroBitCount }
        groups[group] = deleted == 0 ? nil : words
        deletedInGroup[group] = deleted
    }

    /// Whether row `row` of row group `group` is deleted.
    func isDeleted(group: Int, row: Int) -> Bool {
        guard let words = groups[group] else { return false }
        return words[row >> 6] & (1 &<< UInt64(row & 63)) != 0
    }

    // MARK: File (§10)

    /// The leading magic of a deletion file, `PLZDELV1`.
    static let headMagic: [UInt8] = Array("PLZDELV1".utf8)
    /// The trailing magic, `1VLEDZLP`.
    static let tailMagic: [UInt8] = Array("1VLEDZLP".utf8)
    /// The file's major and minor version (§10).
    static let version: (major: UInt16, minor: UInt16) = (1, 0)

    /// How one row group's deleted rows are stored (§10.2).
    enum Encoding: UInt8 {
        case none = 0, all = 1, positions = 2, bitmap = 3, runs = 4
    }

    /// The file bytes for this vector of segment `segment` (its file name, checked when read back).
    /// Each row group takes the smallest of its encodings.
    func encoded(segment: String) -> [UInt8] {
        var body: [UInt8] = []
        ByteWriter.putString(segment, into: &body)
        ByteWriter.put(UInt32(groupRows.count), into: &body)
        for (group, rows) in groupRows.enumerated() {
            let deleted = deletedInGroup[group]
            ByteWriter.put(UInt32(rows), into: &body)
            ByteWriter.put(UInt32(deleted), into: &body)
            guard let words = groups[group], deleted > 0 else {
                body.append(Encoding.none.rawValue)
                ByteWriter.put(UInt32(0), into: &body)
                continue
            }
            if deleted == rows {
                body.append(Encoding.all.rawValue)
                ByteWriter.put(UInt32(0), into: &body)
                continue
            }
            let sizes: [(Encoding, Int)] = [
                (.positions, deleted * 4), (.bitmap, words.count * 8), (.runs, Self.runCount(words) * 8),
            ]
            let (encoding, size) = sizes.min { $0.1 < $1.1 }!
            body.append(encoding.rawValue)
            ByteWriter.put(UInt32(size), into: &body)
            switch encoding {
            case .positions:
                for (w, word) in words.enumerated() {
                    var bits = word
                    while bits != 0 {
                        ByteWriter.put(UInt32(w * 64 + bits.trailingZeroBitCount), into: &body)
                        bits &= bits &- 1
                    }
                }
            case .bitmap:
                for word in words { ByteWriter.put(word, into: &body) }
            case .runs:
                for run in Self.runs(words, rows: rows) {
                    ByteWriter.put(UInt32(run.start), into: &body)
                    ByteWriter.put(UInt32(run.length), into: &body)
                }
            case .none, .all:
                break
            }
        }
        return Self.frame.encode(body)
    }

    /// The frame of a deletion file (§10.1).
    static let frame = FileFrame(head: headMagic, tail: tailMagic, version: version, kind: "deletion file")

    /// The number of maximal runs of set bits in `words` (bits past the rows are clear): the
    /// bits set whose lower neighbour is clear, 64 at a time.
    static func runCount(_ words: [UInt64]) -> Int {
        var count = 0, carry: UInt64 = 0
        for word in words {
            count &+= (word & ~((word &<< 1) | carry)).nonzeroBitCount
            carry = word &>> 63
        }
        return count
    }

    /// The maximal runs of set bits among the first `rows` bits of `words`.
    static func runs(_ words: [UInt64], rows: Int) -> [(start: Int, length: Int)] {
        var result: [(start: Int, length: Int)] = []
        var row = 0
        while row < rows {
            let w = row >> 6
            let shifted = words[w] &>> UInt64(row & 63)
            if shifted == 0 {
                row = (w + 1) * 64
                continue
            }
            row += shifted.trailingZeroBitCount
            let start = row
            while row < rows, words[row >> 6] & (1 &<< UInt64(row & 63)) != 0 {
                let rest = ~(words[row >> 6] &>> UInt64(row & 63))
                row += rest == 0 ? 64 - (row & 63) : rest.trailingZeroBitCount
            }
            result.append((start, Swift.min(row, rows) - start))
        }
        return result
    }

    /// Reads a deletion file of segment `segment` with `groupRows` rows per row group, checking
    /// every field; `path` and `table` go into errors.
    static func decode(_ bytes: [UInt8], segment: String, groupRows: [Int], path: String, table: String)
        throws(StorageError) -> DeletionVector
    {
        func damaged(_ message: String) -> StorageError {
            StorageError(.damaged, "deletion file: " + message, table: table, file: path)
        }
        let (minor, reader) = try frame.decode(bytes, path: path, table: table, damaged: damaged)
        var body = reader
        let owner = try body.string(damaged)
        guard owner == segment else { throw damaged("belongs to segment \"\(owner)\", not \"\(segment)\"") }
        let count = Int(try body.u32(damaged))
        guard count == groupRows.count else {
            throw damaged("has \(count) row groups, the segment \(groupRows.count)")
        }
        var vector = DeletionVector(groupRows: groupRows)
        for group in 0..<count {
            let rows = Int(try body.u32(damaged)), deleted = Int(try body.u32(damaged))
            guard rows == groupRows[group], deleted <= rows else {
                throw damaged(
                    "row group \(group) counts \(deleted) deleted of \(rows) rows; the segment has \(groupRows[group])")
            }
            let tag = try body.u8(damaged)
            let length = Int(try body.u32(damaged))
            guard let encoding = Encoding(rawValue: tag), length <= body.remaining else {
                throw damaged("row group \(group) has an unknown encoding \(tag) or runs past the end")
            }
            let end = body.offset + length
            func mark(_ row: Int) throws(StorageError) {
                guard row >= 0, row < rows, vector.delete(group: group, row: row) else {
                    throw damaged("row group \(group) names row \(row) twice or outside its \(rows) rows")
                }
            }
            switch encoding {
            case .none:
                guard deleted == 0, length == 0 else { throw damaged("row group \(group): empty encoding with data") }
            case .all:
                guard deleted == rows, length == 0 else { throw damaged("row group \(group): 'all' with data") }
                var words = [UInt64](repeating: ~0, count: (rows + 63) / 64)
                if rows % 64 != 0 { words[words.count - 1] = (1 &<< UInt64(rows % 64)) &- 1 }
                vector.setWords(group: group, words)
            case .positions:
                guard length == deleted * 4 else { throw damaged("row group \(group): positions of the wrong size") }
                var previous = -1
                for _ in 0..<deleted {
                    let row = Int(try body.u32(damaged))
                    guard row > previous else { throw damaged("row group \(group): positions not ascending") }
                    previous = row
                    try mark(row)
                }
            case .bitmap:
                let words = (rows + 63) / 64
                guard length == words * 8 else { throw damaged("row group \(group): bitmap of the wrong size") }
                var bitmap = [UInt64](repeating: 0, count: words)
                for w in 0..<words { bitmap[w] = try body.u64(damaged) }
                guard rows % 64 == 0 || bitmap[words - 1] &>> UInt64(rows % 64) == 0 else {
                    throw damaged("row group \(group): bitmap marks rows past its \(rows)")
                }
                vector.setWords(group: group, bitmap)
            case .runs:
                guard length % 8 == 0 else { throw damaged("row group \(group): runs of the wrong size") }
                for _ in 0..<(length / 8) {
                    let start = Int(try body.u32(damaged)), runLength = Int(try body.u32(damaged))
                    guard runLength > 0, start + runLength <= rows else {
                        throw damaged("row group \(group): a run outside its rows")
                    }
                    for row in start..<(start + runLength) { try mark(row) }
                }
            }
            guard body.offset == end, vector.deletedInGroup[group] == deleted else {
                throw damaged(
                    "row group \(group) holds \(vector.deletedInGroup[group]) deleted rows, its count says \(deleted)")
            }
        }
        guard body.remaining == 0 || minor > version.minor else {
            throw damaged("\(body.remaining) unexpected trailing bytes")
        }
        return vector
    }
}
