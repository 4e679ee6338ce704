import PlazaCore
import PlazaVector

/// Row masks of a filter: one bit per row, LSB-first, 64 rows a word (as `ValidityBitmap`).
/// Each conjunct ANDs its result in; words already zero are skipped.
enum FilterMask {
    /// Sets the first `count` bits and clears the rest of the last word.
    static func setAll(_ mask: UnsafeMutablePointer<UInt64>, count: Int) {
        let words = ValidityBitmap.wordCount(for: count)
        mask.update(repeating: ~0, count: words)
        if count % 64 != 0 { mask[words - 1] = (1 &<< UInt64(count % 64)) &- 1 }
    }

    /// Whether no bit is set.
    static func isEmpty(_ mask: UnsafeMutablePointer<UInt64>, words: Int) -> Bool {
        var any: UInt64 = 0
        for w in 0..<words { any |= mask[w] }
        return any == 0
    }

    /// The number of set bits.
    static func population(_ mask: UnsafeMutablePointer<UInt64>, words: Int) -> Int {
        var n = 0
        for w in 0..<words { n &+= mask[w].nonzeroBitCount }
        return n
    }

    /// ANDs in `IS NULL` (`isNull`) or `IS NOT NULL` of `vector`.
    static func andNullTest(_ mask: UnsafeMutablePointer<UInt64>, words: Int, vector: ColumnVector, isNull: Bool) {
        guard vector.hasNulls else {
            if isNull { mask.update(repeating: 0, count: words) }
            return
        }
        let validity = vector.validityWords
        if isNull {
            for w in 0..<words { mask[w] &= ~validity[w] }
        } else {
            for w in 0..<words { mask[w] &= validity[w] }
        }
    }

    /// ANDs in 0/1 `flags` (low bit read), masked by `validity` (a NULL result is not true).
    static func andFlags(
        _ mask: UnsafeMutablePointer<UInt64>, count: Int, flags: UnsafePointer<UInt8>, validity: ValidityBitmap
    ) {
        let words = ValidityBitmap.wordCount(for: count)
        let raw = UnsafeRawPointer(flags)
        for w in 0..<words where mask[w] != 0 {
            let base = w &* 64
            var bits: UInt64 = 0
            if count &- base >= 64 {
                // Eight flags at a time: their low bits gathered into one byte by one multiply.
                for k in 0..<8 {
                    let eight =
                        raw.loadUnaligned(fromByteOffset: base &+ k &* 8, as: UInt64.self) & 0x0101_0101_0101_0101
                    bits |= ((eight &* 0x0102_0408_1020_4080) &>> 56) &<< UInt64(k &* 8)
                }
            } else {
                for j in 0..<(count &- base) { bits |= UInt64(flags[base &+ j] & 1) &<< UInt64(j) }
            }
            if let validityWords = validity.words { bits &= validityWords[w] }
            mask[w] &= bits
        }
    }

    /// ANDs in `matches[code]` (0 or 1 per dictionary entry) of a dictionary vector's codes;
    /// NULL rows are not true.
    static func andCodes(_ mask: UnsafeMutablePointer<UInt64>, count: Int, vector: ColumnVector, matches: [UInt8]) {
        let words = ValidityBitmap.wordCount(for: count)
        let codes = vector.data.assumingMemoryBound(to: UInt32.self)
        let validity = vector.validity
        matches.withUnsafeBufferPointer { m in
            for w in 0..<words where mask[w] != 0 {
                let base = w &* 64, end = Swift.min(64, count &- base)
                var bits: UInt64 = 0
                if let validityWords = validity.words, validityWords[w] != ~0 {
                    // NULL rows may hold any code: read entry 0 for them, then clear their bits.
                    let valid = validityWords[w]
                    for j in 0..<end {
                        let isValid = (valid &>> UInt64(j)) & 1
                        let code = Int(codes[base &+ j]) & -Int(isValid)
                        bits |= UInt64(m[code] & 1) &<< UInt64(j)
                    }
                    bits &= valid
                } else if mask[w].nonzeroBitCount <= 8 {
                    // Few rows left (an earlier test was selective): look up just those.
                    var left = mask[w]
                    while left != 0 {
                        let j = left.trailingZeroBitCount
                        bits |= UInt64(m[Int(codes[base &+ j])] & 1) &<< UInt64(j)
                        left &= left &- 1
                    }
                } else if end == 64 {
                    // Eight entries' bytes (0 or 1) at a time, gathered into a byte by one multiply
                    // (as `andCompare` does for narrow values).
                    for k in 0..<8 {
                        var eight: UInt64 = 0
                        for b in 0..<8 { eight |= UInt64(m[Int(codes[base &+ k &* 8 &+ b])]) &<< UInt64(b &* 8) }
                        bits |= (((eight & 0x0101_0101_0101_0101) &* 0x0102_0408_1020_4080) &>> 56) &<< UInt64(k &* 8)
                    }
                } else {
                    for j in 0..<end { bits |= UInt64(m[Int(codes[base &+ j])] & 1) &<< UInt64(j) }
                }
                mask[w] &= bits
            }
        }
    }

    /// ANDs in `codes[row] == code` of a dictionary vector (a test that only one entry passes);
    /// NULL rows are not true.
    static func andCode(_ mask: UnsafeMutablePointer<UInt64>, count: Int, vector: ColumnVector, code: UInt32) {
        let codes = vector.data.assumingMemoryBound(to: UInt32.self)
        andCompare(mask, count: count, values: codes, constant: code, validity: vector.validity) { $0 == $1 }
    }

    /// ANDs in `values[row] op constant` for a flat fixed-width integer column, specialized per
    /// operator; NULL rows are not true. Returns false for a physical type it does not handle.
    static func andCompare(
        _ mask: UnsafeMutablePointer<UInt64>, count: Int, vector: ColumnVector, op: CompareKernel.Operator,
        constant holder: ColumnVector
    ) -> Bool {
        switch vector.physicalType {
        case .int64:
            andCompare(
                mask, count, vector.data.assumingMemoryBound(to: Int64.self), holder.data.load(as: Int64.self), op,
                vector.validity)
        case .int32:
            andCompare(
                mask, count, vector.data.assumingMemoryBound(to: Int32.self), holder.data.load(as: Int32.self), op,
                vector.validity)
        default:
            return false
        }
        return true
    }

    /// ANDs in `values[row] op constant` and `values[row] otherOp otherConstant` (one a lower bound,
    /// the other an upper bound, constants of the column's type) for a flat 32- or 64-bit integer
    /// column, as one test per row: `x - low <= high - low` in unsigned arithmetic.
    static func andRange(
        _ mask: UnsafeMutablePointer<UInt64>, count: Int, vector: ColumnVector, _ op: CompareKernel.Operator,
        _ holder: ColumnVector, _ otherOp: CompareKernel.Operator, _ otherHolder: ColumnVector
    ) {
        switch vector.physicalType {
        case .int64:
            andRange(
                mask, count, vector.data.assumingMemoryBound(to: Int64.self), vector.validity,
                (op, holder.data.load(as: Int64.self)), (otherOp, otherHolder.data.load(as: Int64.self)))
        case .int32:
            andRange(
                mask, count, vector.data.assumingMemoryBound(to: Int32.self), vector.validity,
                (op, holder.data.load(as: Int32.self)), (otherOp, otherHolder.data.load(as: Int32.self)))
        default:
            preconditionFailure("range test on \(vector.physicalType)")
        }
    }

    @inline(__always)
    private static func andRange<T: FixedWidthInteger & SignedInteger>(
        _ mask: UnsafeMutablePointer<UInt64>, _ count: Int, _ values: UnsafePointer<T>, _ validity: ValidityBitmap,
        _ first: (CompareKernel.Operator, T), _ second: (CompareKernel.Operator, T)
    ) {
        // Inclusive bounds, widened so that `> max` and `< min` stay exact (they pass nothing).
        var low = Int64(T.min), high = Int64(T.max)
        for (op, constant) in [first, second] {
            let c = Int64(constant)
            switch op {
            case .greaterOrEqual: low = Swift.max(low, c)
            case .greater: low = Swift.max(low, c == Int64.max ? c : c + 1)
            case .lessOrEqual: high = Swift.min(high, c)
            case .less: high = Swift.min(high, c == Int64.min ? c : c - 1)
            case .equal, .notEqual: preconditionFailure("range test with \(op)")
            }
            // `> Int64.max` and `< Int64.min` are empty: the clamps above keep c, so flag them here.
            if (op == .greater && c == Int64.max) || (op == .less && c == Int64.min) { low = 1; high = 0 }
        }
        guard low <= high else {
            mask.update(repeating: 0, count: ValidityBitmap.wordCount(for: count))
            return
        }
        let span = T.Magnitude(truncatingIfNeeded: high &- low)
        let base = T(truncatingIfNeeded: low)
        andCompare(mask, count: count, values: values, constant: base, validity: validity) {
            T.Magnitude(truncatingIfNeeded: $0 &- $1) <= span
        }
    }

    @inline(__always)
    private static func andCompare<T: FixedWidthInteger>(
        _ mask: UnsafeMutablePointer<UInt64>, _ count: Int, _ values: UnsafePointer<T>, _ constant: T,
        _ op: CompareKernel.Operator, _ validity: ValidityBitmap
    ) {
        switch op {
        case .equal: andCompare(mask, count: count, values: values, constant: constant, validity: validity) { $0 == $1 }
        case .notEqual:
            andCompare(mask, count: count, values: values, constant: constant, validity: validity) { $0 != $1 }
        case .less: andCompare(mask, count: count, values: values, constant: constant, validity: validity) { $0 < $1 }
        case .lessOrEqual:
            andCompare(mask, count: count, values: values, constant: constant, validity: validity) { $0 <= $1 }
        case .greater:
            andCompare(mask, count: count, values: values, constant: constant, validity: validity) { $0 > $1 }
        case .greaterOrEqual:
            andCompare(mask, count: count, values: values, constant: constant, validity: validity) { $0 >= $1 }
        }
    }

    /// The loop of the comparisons: 64 rows into one word, branch-free, words already zero skipped.
    @inline(__always)
    private static func andCompare<T>(
        _ mask: UnsafeMutablePointer<UInt64>, count: Int, values: UnsafePointer<T>, constant: T,
        validity: ValidityBitmap,
        _ test: (T, T) -> Bool
    ) {
        let words = ValidityBitmap.wordCount(for: count)
        for w in 0..<words where mask[w] != 0 {
            let base = w &* 64
            var bits: UInt64 = 0
            if mask[w].nonzeroBitCount <= 8 {
                // Few rows left (an earlier conjunct was selective): test just those.
                var left = mask[w]
                while left != 0 {
                    let j = left.trailingZeroBitCount
                    bits |= UInt64(unsafeBitCast(test(values[base &+ j], constant), to: UInt8.self)) &<< UInt64(j)
                    left &= left &- 1
                }
            } else if count &- base >= 64 && MemoryLayout<T>.size <= 4 {
                // Narrow values: eight results as bytes, gathered into a byte by one multiply
                // (measured 2x faster than shifting each bit in for 32-bit codes; not for 64-bit).
                for k in 0..<8 {
                    var eight: UInt64 = 0
                    for b in 0..<8 {
                        eight |=
                            UInt64(unsafeBitCast(test(values[base &+ k &* 8 &+ b], constant), to: UInt8.self))
                            &<< UInt64(b &* 8)
                    }
                    bits |= ((eight &* 0x0102_0408_1020_4080) &>> 56) &<< UInt64(k &* 8)
                }
            } else if count &- base >= 64 {
                for j in 0..<64 {
                    bits |= UInt64(unsafeBitCast(test(values[base &+ j], constant), to: UInt8.self)) &<< UInt64(j)
                }
            } else {
                for j in 0..<(count &- base) {
                    bits |= UInt64(unsafeBitCast(test(values[base &+ j], constant), to: UInt8.self)) &<< UInt64(j)
                }
            }
            if let validityWords = validity.words { bits &= validityWords[w] }
            mask[w] &= bits
        }
    }

    /// The positions of the set bits among the first `count` rows (no bit set past them), into
    /// `out` (room for `count` plus 8: `SelectionVector(capacity: count, slack: 8)`).
    static func select(_ mask: UnsafeMutablePointer<UInt64>, count: Int, into out: UnsafeMutablePointer<Int32>) -> Int {
        SelectionVector.writePositions(of: mask, wordCount: ValidityBitmap.wordCount(for: count), into: out)
    }
}
