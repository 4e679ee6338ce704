import PlazaCore

/// Fixed numbers of the segment file format (Formats/plaza-file-format.md §2–§6).
@usableFromInline package enum SegmentFormat {
    /// The first eight bytes of a segment file: `PLAZASEG`.
    package static let headerMagic: [UInt8] = Array("PLAZASEG".utf8)
    /// The last eight bytes of a segment file: `PLAZAEND`.
    package static let trailerMagic: [UInt8] = Array("PLAZAEND".utf8)
    /// The major version this code writes and the only one it reads (§1).
    package static let majorVersion: UInt16 = 1
    /// The minor version this code writes for a file without wide DECIMAL columns; readers accept
    /// any minor of their major.
    package static let minorVersion: UInt16 = 0
    /// The minor version of a file with a DECIMAL of 19 to 38 digits (type code 8, §1, §4.1).
    package static let wideDecimalMinorVersion: UInt16 = 1
    /// Bytes in the file header (§3).
    package static let headerSize = 16
    /// Bytes in the file trailer (§6).
    package static let trailerSize = 16
    /// Bytes in a block header (§5).
    package static let blockHeaderSize = 24
    /// The most entries a column chunk's dictionary may hold (§7.5).
    package static let maxDictionaryEntries = 65_536
    /// The longest VARCHAR min or max a statistic stores (§8).
    package static let maxStatisticStringBytes = 64
    /// The largest block size, in values, a file may declare (§4).
    package static let maxBlockSize = 65_536
    /// The largest row group, in rows, a file may declare (§4).
    package static let maxRowGroupSize = 1 << 24
}

/// How a block's values are represented (Formats/plaza-file-format.md §7); the numbers are on disk.
@usableFromInline package enum BlockEncoding: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Every value written out at its natural width (§7.2).
    case plain = 0
    /// One value repeated for the whole block (§7.3).
    case constant = 1
    /// Runs of equal values: the values, then the run lengths (§7.4).
    case runLength = 2
    /// Bit-packed codes into the column chunk's dictionary (§7.5).
    case dictionary = 3
    /// A reference (the minimum) plus bit-packed differences from it (§7.6).
    case frameOfReference = 4
    /// The first value, then bit-packed differences between neighbours (§7.7).
    case delta = 5
    /// DOUBLEs that are short decimals, stored as scaled integers plus exceptions (§7.8).
    case alp = 6

    /// The encoding's name as the spec spells it.
    public var description: String {
        switch self {
        case .plain: return "plain"
        case .constant: return "constant"
        case .runLength: return "run-length"
        case .dictionary: return "dictionary"
        case .frameOfReference: return "frame-of-reference"
        case .delta: return "delta"
        case .alp: return "alp"
        }
    }

    /// Whether the encoding applies to a column of `type` (§7, table of encodings by type).
    package func applies(to type: DataType) -> Bool {
        switch (self, type.physicalType) {
        // §4.1: a wide DECIMAL has plain, constant and frame-of-reference only.
        case (.plain, _), (.constant, _), (.frameOfReference, .int128): return true
        case (_, .int128): return false
        case (.dictionary, _): return true
        case (.runLength, .string): return false
        case (.runLength, _): return true
        case (.frameOfReference, .uint8), (.frameOfReference, .int32), (.frameOfReference, .int64): return true
        case (.delta, .uint8), (.delta, .int32), (.delta, .int64): return true
        case (.alp, .double): return true
        default: return false
        }
    }
}

/// The on-disk type codes of §4.
enum TypeCode {
    static func code(of type: DataType) -> UInt8? {
        switch type {
        case .boolean: return 1
        case .bigint: return 2
        case .double: return 3
        case .decimal(let p, _): return p > DataType.maxNarrowDecimalPrecision ? 8 : 4
        case .varchar: return 5
        case .date: return 6
        case .timestamp: return 7
        case .interval, .null: return nil
        }
    }

    static func type(code: UInt8, precision: UInt8, scale: UInt8) -> DataType? {
        switch code {
        case 1: return .boolean
        case 2: return .bigint
        case 3: return .double
        case 4:
            guard precision >= 1, Int(precision) <= DataType.maxNarrowDecimalPrecision, scale <= precision else {
                return nil
            }
            return .decimal(precision: Int(precision), scale: Int(scale))
        case 5: return .varchar
        case 6: return .date
        case 7: return .timestamp
        case 8:
            guard Int(precision) > DataType.maxNarrowDecimalPrecision, Int(precision) <= DataType.maxDecimalPrecision,
                scale <= precision
            else { return nil }
            return .decimal(precision: Int(precision), scale: Int(scale))
        default: return nil
        }
    }
}

/// Powers of ten as doubles, exact up to 10^22, for the ALP encoding (§7.8).
@usableFromInline
let alpPowersOfTen: [Double] = (0...18).map { exponent in
    var p = 1.0
    for _ in 0..<exponent { p *= 10 }
    return p
}

/// The largest ALP exponent (§7.8).
let alpMaxExponent = 18
