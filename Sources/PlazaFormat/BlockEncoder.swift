import CLZ4
import PlazaCore
import PlazaVector

/// How a column's values sit in memory, chosen once per column (../shared/PERFORMANCE.md rule 8).
enum ValueKind {
    /// `int128` is a DECIMAL of 19 to 38 digits (§4.1): it has its own paths, never the 64-bit ones.
    case boolean, int32, int64, double, string, int128

    init(_ type: DataType) {
        switch type.physicalType {
        case .uint8: self = .boolean
        case .int32: self = .int32
        case .int64: self = .int64
        case .double: self = .double
        case .int128: self = .int128
        default: self = .string
        }
    }

    /// Bytes per value in plain encoding (§7.2).
    var nativeWidth: Int {
        switch self {
        case .boolean: return 1
        case .int32: return 4
        case .int64, .double: return 8
        case .int128: return 16
        case .string: return 0
        }
    }

    var isInteger: Bool { self == .boolean || self == .int32 || self == .int64 }
}

/// Encodes blocks (Formats/plaza-file-format.md §5, §7): tries the encodings that apply, keeps the
/// smallest, puts LZ4 on top where that saves at least 10%, and seals the block with its header.
/// Reuses its buffers from block to block; not for concurrent use.
final class BlockEncoder {
    var body = ByteWriter()
    var scratch: [UInt64] = []

    /// The encoding and exact body size the encoder would pick for fixed-width `values`
    /// (NULL slots already filled with a neighbouring valid value), excluding LZ4.
    func choose(kind: ValueKind, values: UnsafeBufferPointer<UInt64>) -> (BlockEncoding, Int) {
        let n = values.count
        var best: (BlockEncoding, Int) = (.plain, n * kind.nativeWidth)
        func consider(_ e: BlockEncoding, _ size: Int) { if size < best.1 { best = (e, size) } }
        var runs = 1
        for i in 1..<max(n, 1) where values[i] != values[i - 1] { runs += 1 }
        if runs == 1 { return (.constant, 8) }
        consider(.runLength, 8 + runs * 12)
        if kind.isInteger {
            var lo = Int64(bitPattern: values[0]), hi = lo
            var deltaLo = Int64.max, deltaHi = Int64.min
            for i in 0..<n {
                let v = Int64(bitPattern: values[i])
                lo = min(lo, v)
                hi = max(hi, v)
                if i > 0 {
                    let d = v &- Int64(bitPattern: values[i - 1])
                    deltaLo = min(deltaLo, d)
                    deltaHi = max(deltaHi, d)
                }
            }
            let forWidth = BitPacking.width(of: UInt64(bitPattern: hi &- lo))
            consider(.frameOfReference, 16 + BitPacking.byteCount(count: n, width: forWidth))
            let deltaWidth = BitPacking.width(of: UInt64(bitPattern: deltaHi &- deltaLo))
            consider(.delta, 24 + BitPacking.byteCount(count: n - 1, width: deltaWidth))
        } else if kind == .double {
            let alp = chooseALP(values)
            if let alp { consider(.alp, alp.size) }
        }
        return best
    }

    /// Encodes fixed-width values into a sealed block. `only` forces an encoding (it must apply).
    func encodeFixed(
        kind: ValueKind, values: UnsafeBufferPointer<UInt64>, validity: UnsafeBufferPointer<UInt64>?,
        only: BlockEncoding? = nil, allowLZ4: Bool = true
    ) -> [UInt8] {
        let n = values.count
        precondition(n > 0, "empty block")
        let encoding = only ?? choose(kind: kind, values: values).0
        body.bytes.removeAll(keepingCapacity: true)
        switch encoding {
        case .plain:
            for v in values {
                switch kind.nativeWidth {
                case 1: body.u8(UInt8(truncatingIfNeeded: v))
                case 4: body.u32(UInt32(truncatingIfNeeded: v))
                default: body.u64(v)
                }
            }
        case .constant:
            body.u64(values[0])
        case .runLength:
            var starts: [Int] = [0]
            for i in 1..<n where values[i] != values[i - 1] { starts.append(i) }
            body.u32(UInt32(starts.count))
            body.u32(0)
            for s in starts { body.u64(values[s]) }
            for (k, s) in starts.enumerated() { body.u32(UInt32((k + 1 < starts.count ? starts[k + 1] : n) - s)) }
        case .frameOfReference:
            var lo = Int64.max, hi = Int64.min
            for v in values { lo = min(lo, Int64(bitPattern: v)); hi = max(hi, Int64(bitPattern: v)) }
            let width = BitPacking.width(of: UInt64(bitPattern: hi &- lo))
            body.i64(lo)
            body.u8(UInt8(width))
            body.zeros(7)
            packOffsets(values, minus: UInt64(bitPattern: lo), width: width)
        case .delta:
            var deltaLo = Int64.max
            for i in 1..<max(n, 1) { deltaLo = min(deltaLo, Int64(bitPattern: values[i] &- values[i - 1])) }
            if n == 1 { deltaLo = 0 }
            // The deltas go through a local array: appends to the stored `scratch` paid a check each.
            var deltas: [UInt64] = []
            swap(&deltas, &scratch)
            defer { swap(&deltas, &scratch) }
            deltas.removeAll(keepingCapacity: true)
            deltas.append(contentsOf: repeatElement(0, count: n - 1))
            var widest: UInt64 = 0
            deltas.withUnsafeMutableBufferPointer { deltas in
                for i in 1..<max(n, 1) {
                    let d = values[i] &- values[i - 1] &- UInt64(bitPattern: deltaLo)
                    deltas[i - 1] = d
                    widest |= d
                }
            }
            let width = BitPacking.width(of: widest)
            body.u64(values[0])
            body.i64(deltaLo)
            body.u8(UInt8(width))
            body.zeros(7)
            deltas.withUnsafeBufferPointer { BitPacking.pack($0, width: width, into: &body) }
        case .alp:
            guard let alp = chooseALP(values) else { preconditionFailure("ALP forced on values it cannot hold") }
            writeALP(values, exponent: alp.exponent)
        case .dictionary:
            preconditionFailure("dictionary blocks are written through encodeCodes")
        }
        return seal(encoding: encoding, count: n, validity: validity, allowLZ4: allowLZ4)
    }

    /// Packs `values` minus `reference` (wrapping) at `width` bits into `body`.
    private func packOffsets(_ values: UnsafeBufferPointer<UInt64>, minus reference: UInt64, width: Int) {
        var shifted: [UInt64] = []
        swap(&shifted, &scratch)
        defer { swap(&shifted, &scratch) }
        shifted.removeAll(keepingCapacity: true)
        shifted.append(contentsOf: repeatElement(0, count: values.count))
        shifted.withUnsafeMutableBufferPointer { shifted in
            for i in 0..<values.count { shifted[i] = values[i] &- reference }
        }
        shifted.withUnsafeBufferPointer { BitPacking.pack($0, width: width, into: &body) }
    }

    /// Encodes strings `offsets[0..<n+1]` (relative to `heap`) into a sealed block.
    func encodeStrings(
        offsets: UnsafePointer<Int32>, heap: UnsafeRawPointer, count n: Int, validity: UnsafeBufferPointer<UInt64>?,
        only: BlockEncoding? = nil, allowLZ4: Bool = true
    ) -> [UInt8] {
        precondition(n > 0, "empty block")
        let isValid = { (row: Int) -> Bool in
            guard let validity else { return true }
            return validity[row >> 6] >> UInt64(row & 63) & 1 == 1
        }
        func bytes(_ row: Int) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(start: heap + Int(offsets[row]), count: Int(offsets[row + 1] - offsets[row]))
        }
        var first: Int? = nil
        var isConstant = true
        for row in 0..<n where isValid(row) {
            if let f = first {
                if !bytes(f).elementsEqual(bytes(row)) {
                    isConstant = false
                    break
                }
            } else {
                first = row
            }
        }
        body.bytes.removeAll(keepingCapacity: true)
        let encoding = only ?? (isConstant ? .constant : .plain)
        switch encoding {
        case .constant:
            let value = first.map(bytes) ?? UnsafeRawBufferPointer(start: nil, count: 0)
            body.u32(UInt32(value.count))
            body.raw(value)
        case .plain:
            var total: UInt32 = 0
            body.u32(0)
            for row in 0..<n {
                if isValid(row) { total += UInt32(bytes(row).count) }
                body.u32(total)
            }
            for row in 0..<n where isValid(row) { body.raw(bytes(row)) }
        default:
            preconditionFailure("\(encoding) does not apply to VARCHAR")
        }
        return seal(encoding: encoding, count: n, validity: validity, allowLZ4: allowLZ4)
    }

    /// Encodes dictionary codes (each below 2^width) into a sealed block (§7.5).
    func encodeCodes(_ codes: UnsafeBufferPointer<UInt64>, width: Int, validity: UnsafeBufferPointer<UInt64>?)
        -> [UInt8]
    {
        body.bytes.removeAll(keepingCapacity: true)
        body.u8(UInt8(width))
        body.zeros(7)
        BitPacking.pack(codes, width: width, into: &body)
        return seal(encoding: .dictionary, count: codes.count, validity: validity, allowLZ4: true)
    }

    /// Puts header, validity and body together, compressing with LZ4 where it saves ≥ 10% (§5, §7.9).
    func seal(encoding: BlockEncoding, count n: Int, validity: UnsafeBufferPointer<UInt64>?, allowLZ4: Bool)
        -> [UInt8]
    {
        var payload = ByteWriter()
        payload.bytes.reserveCapacity(body.count + (validity?.count ?? 0) * 8)
        if let validity {
            // Bits past row n are written as zero so the file is deterministic (§5.1).
            for (k, word) in validity.prefix(ValidityBitmap.wordCount(for: n)).enumerated() {
                let rowsInWord = min(64, n - k * 64)
                payload.u64(rowsInWord == 64 ? word : word & ((1 << UInt64(rowsInWord)) - 1))
            }
        }
        payload.raw(body.bytes)
        let raw = payload.bytes
        var stored = raw
        var compression: UInt8 = 0
        if allowLZ4 && raw.count >= 64 && raw.count < Int(Int32.max) {
            let bound = Int(LZ4_compressBound(Int32(raw.count)))
            var out = [UInt8](repeating: 0, count: bound)
            let written = raw.withUnsafeBytes { src in
                out.withUnsafeMutableBytes { dst in
                    LZ4_compress_default(
                        src.baseAddress!.assumingMemoryBound(to: CChar.self),
                        dst.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(raw.count), Int32(bound))
                }
            }
            if written > 0 && Int(written) * 10 <= raw.count * 9 {
                out.removeSubrange(Int(written)...)
                stored = out
                compression = 1
            }
        }
        var block = ByteWriter()
        block.bytes.reserveCapacity(SegmentFormat.blockHeaderSize + stored.count)
        block.u8(encoding.rawValue)
        block.u8(compression)
        block.u8(validity == nil ? 0 : 1)
        block.u8(0)
        block.u32(UInt32(n))
        block.u32(UInt32(stored.count))
        block.u32(UInt32(raw.count))
        let checksum = block.bytes.withUnsafeBytes { header in
            stored.withUnsafeBytes { blockChecksum(header: header.baseAddress!, payload: $0) }
        }
        block.u32(checksum)
        block.u32(0)
        block.raw(stored)
        return block.bytes
    }

    // MARK: ALP (§7.8)

    /// The exponent for ALP and the exact body size it gives, or nil when more than a quarter of the
    /// values would be exceptions (§7.10): the smallest exponent with the fewest exceptions on a
    /// sample of about 128 evenly spaced values, then measured on the whole block.
    func chooseALP(_ values: UnsafeBufferPointer<UInt64>) -> (exponent: Int, size: Int)? {
        let n = values.count
        let step = max(1, n / 128)
        var bestExponent = 0, fewest = Int.max
        for exponent in 0...alpMaxExponent {
            var exceptions = 0
            for i in stride(from: 0, to: n, by: step) where alpInteger(Double(bitPattern: values[i]), exponent) == nil {
                exceptions += 1
            }
            if exceptions < fewest { (bestExponent, fewest) = (exponent, exceptions) }
            if exceptions == 0 { break }
        }
        var exceptions = 0
        var lo = Int64.max, hi = Int64.min
        for bits in values {
            if let k = alpInteger(Double(bitPattern: bits), bestExponent) {
                lo = min(lo, k)
                hi = max(hi, k)
            } else {
                exceptions += 1
            }
        }
        if exceptions * 4 > n { return nil }
        let width = lo > hi ? 0 : BitPacking.width(of: UInt64(bitPattern: hi &- lo))
        return (bestExponent, 16 + BitPacking.byteCount(count: n, width: width) + exceptions * 12)
    }

    private func writeALP(_ values: UnsafeBufferPointer<UInt64>, exponent: Int) {
        var positions: [UInt32] = []
        var lo = Int64.max, hi = Int64.min
        for bits in values {
            if let k = alpInteger(Double(bitPattern: bits), exponent) {
                lo = min(lo, k)
                hi = max(hi, k)
            }
        }
        if lo > hi { (lo, hi) = (0, 0) }
        // An exception's slot repeats the previous integer (the reference before the first one).
        scratch.removeAll(keepingCapacity: true)
        var previous = lo
        for (i, bits) in values.enumerated() {
            if let k = alpInteger(Double(bitPattern: bits), exponent) {
                previous = k
            } else {
                positions.append(UInt32(i))
            }
            scratch.append(UInt64(bitPattern: previous &- lo))
        }
        let width = BitPacking.width(of: UInt64(bitPattern: hi &- lo))
        body.u8(UInt8(exponent))
        body.u8(UInt8(width))
        body.u16(0)
        body.u32(UInt32(positions.count))
        body.i64(lo)
        scratch.withUnsafeBufferPointer { BitPacking.pack($0, width: width, into: &body) }
        for p in positions { body.u32(p) }
        for p in positions { body.u64(values[Int(p)]) }
    }
}

/// The integer `k` with `Double(k) / 10^exponent` bit-identical to `value`, if one exists with
/// |k| ≤ 2^52 (§7.8).
@inline(__always)
func alpInteger(_ value: Double, _ exponent: Int) -> Int64? {
    let scaled = value * alpPowersOfTen[exponent]
    guard scaled.magnitude <= 4_503_599_627_370_496 else { return nil }  // 2^52; false for NaN
    // Round half away from zero by truncation (no libm call); exactness is checked below anyway.
    let k = Int64(scaled + (scaled < 0 ? -0.5 : 0.5))
    // Decoding divides the integer converted back to a double; -0.0 does not survive that.
    guard (Double(k) / alpPowersOfTen[exponent]).bitPattern == value.bitPattern else { return nil }
    return k
}
