import CPlazaKernels
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
        ValidityBitmap.setBitCount(mask, wordCount: words)
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

    /// ANDs in whether a dictionary vector's code lies in `codes`; NULL rows (whatever code they
    /// hold) are not true.
    static func andCodeRange(
        _ mask: UnsafeMutablePointer<UInt64>, count: Int, vector: ColumnVector, _ codes: ClosedRange<Int>
    ) {
        // Codes are below 2^16 (§7.5), so as Int32 they compare as they are.
        plaza_and_range_i32(
            UnsafeRawPointer(vector.data).assumingMemoryBound(to: Int32.self), count, Int32(codes.lowerBound),
            UInt32(codes.upperBound - codes.lowerBound), 0, mask)
        andValidity(mask, ValidityBitmap.wordCount(for: count), vector)
    }

    /// ANDs in `codes[row] == code` of a dictionary vector (a test that only one entry passes);
    /// NULL rows are not true.
    static func andCode(_ mask: UnsafeMutablePointer<UInt64>, count: Int, vector: ColumnVector, code: UInt32) {
        andCodeRange(mask, count: count, vector: vector, Int(code)...Int(code))
    }

    /// ANDs in `values[row] op constant` for a flat 32- or 64-bit integer column; NULL rows are not
    /// true. Returns false for a physical type it does not handle.
    static func andCompare(
        _ mask: UnsafeMutablePointer<UInt64>, count: Int, vector: ColumnVector, op: CompareKernel.Operator,
        constant holder: ColumnVector
    ) -> Bool {
        switch vector.physicalType {
        case .int64:
            let c = holder.data.load(as: Int64.self)
            andInterval(mask, count, vector, Int64.self, interval(Int64.self, (op, c)), invert: op == .notEqual)
        case .int32:
            let c = Int64(holder.data.load(as: Int32.self))
            andInterval(mask, count, vector, Int32.self, interval(Int32.self, (op, c)), invert: op == .notEqual)
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
        precondition(op != .equal && op != .notEqual && otherOp != .equal && otherOp != .notEqual, "range test")
        switch vector.physicalType {
        case .int64:
            let bounds = interval(
                Int64.self, (op, holder.data.load(as: Int64.self)), (otherOp, otherHolder.data.load(as: Int64.self)))
            andInterval(mask, count, vector, Int64.self, bounds, invert: false)
        case .int32:
            let bounds = interval(
                Int32.self, (op, Int64(holder.data.load(as: Int32.self))),
                (otherOp, Int64(otherHolder.data.load(as: Int32.self))))
            andInterval(mask, count, vector, Int32.self, bounds, invert: false)
        default:
            preconditionFailure("range test on \(vector.physicalType)")
        }
    }

    /// The inclusive interval of values of `T` that pass `first` and `second` (`!=` as `=`, its
    /// caller inverting), or nil when none does. (Two parameters, not an array: this runs per
    /// batch and conjunct, and an array was an allocation each time.)
    private static func interval<T: FixedWidthInteger & SignedInteger>(
        _: T.Type, _ first: (CompareKernel.Operator, Int64), _ second: (CompareKernel.Operator, Int64)? = nil
    ) -> (low: Int64, high: Int64)? {
        // Widened to Int64 so that `> max` and `< min` stay exact (they pass nothing).
        var low = Int64(T.min), high = Int64(T.max)
        /// Narrows the interval by one test; false when nothing can pass it.
        func narrow(_ op: CompareKernel.Operator, _ c: Int64) -> Bool {
            switch op {
            case .equal, .notEqual:
                low = Swift.max(low, c)
                high = Swift.min(high, c)
            case .greaterOrEqual: low = Swift.max(low, c)
            case .greater:
                if c == Int64.max { return false }
                low = Swift.max(low, c + 1)
            case .lessOrEqual: high = Swift.min(high, c)
            case .less:
                if c == Int64.min { return false }
                high = Swift.min(high, c - 1)
            }
            return true
        }
        guard narrow(first.0, first.1) else { return nil }
        if let second, !narrow(second.0, second.1) { return nil }
        return low <= high ? (low, high) : nil
    }

    /// ANDs in whether each row's value lies in `bounds` (outside it when `invert`), NULL rows not
    /// true, by the C kernel (eight or four rows per vector comparison where the CPU has AVX2).
    private static func andInterval<T: FixedWidthInteger & SignedInteger>(
        _ mask: UnsafeMutablePointer<UInt64>, _ count: Int, _ vector: ColumnVector, _: T.Type,
        _ bounds: (low: Int64, high: Int64)?, invert: Bool
    ) {
        let words = ValidityBitmap.wordCount(for: count)
        guard let (low, high) = bounds else {
            // Nothing is in the interval: no row passes. (`!=` never gets here: its constant is of
            // the column's type, so its interval holds that one value.)
            mask.update(repeating: 0, count: words)
            return
        }
        let span = UInt64(bitPattern: high &- low)
        if T.self == Int32.self {
            plaza_and_range_i32(
                vector.data.assumingMemoryBound(to: Int32.self), count, Int32(truncatingIfNeeded: low),
                UInt32(truncatingIfNeeded: span), invert ? 1 : 0, mask)
        } else {
            plaza_and_range_i64(vector.data.assumingMemoryBound(to: Int64.self), count, low, span, invert ? 1 : 0, mask)
        }
        andValidity(mask, words, vector)
    }

    /// Clears the bits of NULL rows.
    private static func andValidity(_ mask: UnsafeMutablePointer<UInt64>, _ words: Int, _ vector: ColumnVector) {
        guard vector.hasNulls else { return }
        let validity = vector.validityWords
        for w in 0..<words { mask[w] &= validity[w] }
    }

    /// The positions of the set bits among the first `count` rows (no bit set past them), into
    /// `out` (room for `count` plus 8: `SelectionVector(capacity: count, slack: 8)`).
    static func select(_ mask: UnsafeMutablePointer<UInt64>, count: Int, into out: UnsafeMutablePointer<Int32>) -> Int {
        SelectionVector.writePositions(of: mask, wordCount: ValidityBitmap.wordCount(for: count), into: out)
    }
}
