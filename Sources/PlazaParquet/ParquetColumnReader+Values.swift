import PlazaCore
import PlazaVector

/// Decoding a page's values into vectors: one loop per encoding and per conversion.
extension ParquetColumnReader {
    /// Writes `count` non-NULL values, converted to the column's Plaza type, packed at `target`.
    func decodeFixed(_ count: Int, into target: UnsafeMutableRawPointer) throws(ParquetError) {
        if count == 0 { return }
        let width = column.storedWidth
        switch encoding {
        case .dictionary:
            try decodeCodes(count)
            let entries = dictionary!
            switch entries.byteWidth {
            case 1: gather(entries.data.assumingMemoryBound(to: UInt8.self), target, count)
            case 4: gather(entries.data.assumingMemoryBound(to: UInt32.self), target, count)
            case 16: gather(entries.data.assumingMemoryBound(to: UInt128.self), target, count)
            default: gather(entries.data.assumingMemoryBound(to: UInt64.self), target, count)
            }
        case .plain:
            if column.physicalType == .byteArray {
                try takeSlices(count)
                try convertSlices(into: target)
                return
            }
            guard count <= (page.count - valuePosition) / width else {
                throw ParquetError(.truncated, "the page ends before its \(count) values")
            }
            try convert(UnsafeRawPointer(page.baseAddress! + valuePosition), count, into: target)
            valuePosition += count * width
        case .plainBoolean:
            guard count <= page.count * 8 - valuePosition else {
                throw ParquetError(.truncated, "the page ends before its \(count) booleans")
            }
            let bytes = page.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let output = target.assumingMemoryBound(to: UInt8.self)
            var bit = valuePosition
            for index in 0..<count {
                output[index] = (bytes[bit &>> 3] &>> UInt8(bit & 7)) & 1
                bit &+= 1
            }
            valuePosition = bit
        case .rleBoolean:
            try valueDecoder!.next(count, into: codeScratch)
            let output = target.assumingMemoryBound(to: UInt8.self)
            for index in 0..<count { output[index] = UInt8(truncatingIfNeeded: codeScratch[index] & 1) }
        case .byteStreamSplit:
            guard count <= streamCount - valueIndex else {
                throw ParquetError(.truncated, "the page ends before its \(count) values")
            }
            let streams = page.baseAddress! + valuePosition
            let output = storedScratch.assumingMemoryBound(to: UInt8.self)
            for byte in 0..<width {
                let stream = streams.assumingMemoryBound(to: UInt8.self) + byte * streamCount + valueIndex
                for index in 0..<count { output[index * width + byte] = stream[index] }
            }
            valueIndex += count
            try convert(UnsafeRawPointer(storedScratch), count, into: target)
        case .integers:
            guard count <= integers.count - valueIndex else {
                throw ParquetError(.truncated, "the page ends before its \(count) values")
            }
            if column.physicalType == .int32 {
                let stored = storedScratch.assumingMemoryBound(to: Int32.self)
                for index in 0..<count { stored[index] = Int32(truncatingIfNeeded: integers[valueIndex + index]) }
            } else {
                let stored = storedScratch.assumingMemoryBound(to: Int64.self)
                for index in 0..<count { stored[index] = integers[valueIndex + index] }
            }
            valueIndex += count
            try convert(UnsafeRawPointer(storedScratch), count, into: target)
        case .ranges:
            try takeSlices(count)
            try convertSlices(into: target)
        }
    }

    /// Reads `count` dictionary codes into `codeScratch` and checks them against the dictionary.
    func decodeCodes(_ count: Int) throws(ParquetError) {
        try valueDecoder!.next(count, into: codeScratch)
        var largest: UInt32 = 0
        for index in 0..<count { largest = max(largest, codeScratch[index]) }
        guard Int(largest) < dictionary!.count else {
            throw ParquetError(.corrupt, "dictionary index \(largest) of a \(dictionary!.count)-entry dictionary")
        }
    }

    private func gather<T>(_ entries: UnsafeMutablePointer<T>, _ target: UnsafeMutableRawPointer, _ count: Int) {
        let output = target.assumingMemoryBound(to: T.self)
        for index in 0..<count { output[index] = entries[Int(codeScratch[index])] }
    }

    /// Converts `count` stored (plain-encoded) values at `stored` to Plaza values at `target`.
    private func convert(_ stored: UnsafeRawPointer, _ count: Int, into target: UnsafeMutableRawPointer)
        throws(ParquetError)
    {
        switch column.conversion {
        case .int32ToInt64:
            let output = target.assumingMemoryBound(to: Int64.self)
            for index in 0..<count {
                output[index] = Int64(
                    Int32(littleEndian: stored.loadUnaligned(fromByteOffset: index &* 4, as: Int32.self)))
            }
        case .int32ToDate, .int64, .double, .boolean:
            target.copyMemory(from: stored, byteCount: count * column.storedWidth)
        case .floatToDouble:
            let output = target.assumingMemoryBound(to: Double.self)
            for index in 0..<count {
                output[index] = Double(stored.loadUnaligned(fromByteOffset: index &* 4, as: Float.self))
            }
        case .millisToMicros:
            let output = target.assumingMemoryBound(to: Int64.self)
            var overflow = false
            for index in 0..<count {
                let (micros, over) = stored.loadUnaligned(fromByteOffset: index &* 8, as: Int64.self)
                    .multipliedReportingOverflow(by: 1000)
                output[index] = micros
                overflow = overflow || over
            }
            if overflow { throw ParquetError(.corrupt, "a TIMESTAMP in milliseconds beyond Plaza's range") }
        case .nanosToMicros:
            let output = target.assumingMemoryBound(to: Int64.self)
            for index in 0..<count {
                let nanos = stored.loadUnaligned(fromByteOffset: index &* 8, as: Int64.self)
                // Floor division: -1 ns is the microsecond before the epoch, not the epoch.
                output[index] = nanos >= 0 ? nanos / 1000 : (nanos &- 999) / 1000
            }
        case .int96ToTimestamp:
            let output = target.assumingMemoryBound(to: Int64.self)
            var overflow = false
            for index in 0..<count {
                let nanos = stored.loadUnaligned(fromByteOffset: index &* 12, as: Int64.self)
                let julian = Int64(stored.loadUnaligned(fromByteOffset: index &* 12 &+ 8, as: Int32.self))
                // Julian day 2,440,588 is 1970-01-01.
                let (dayMicros, over) = (julian &- 2_440_588).multipliedReportingOverflow(by: 86_400_000_000)
                let (sum, over2) = dayMicros.addingReportingOverflow(nanos / 1000)
                output[index] = sum
                overflow = overflow || over || over2
            }
            if overflow { throw ParquetError(.corrupt, "an INT96 timestamp beyond Plaza's range") }
        case .int32ToInt128:
            let output = target.assumingMemoryBound(to: Int128.self)
            for index in 0..<count {
                output[index] = Int128(
                    Int32(littleEndian: stored.loadUnaligned(fromByteOffset: index &* 4, as: Int32.self)))
            }
        case .int64ToInt128:
            let output = target.assumingMemoryBound(to: Int128.self)
            for index in 0..<count {
                output[index] = Int128(
                    Int64(littleEndian: stored.loadUnaligned(fromByteOffset: index &* 8, as: Int64.self)))
            }
        case .bigEndianWideDecimal:
            let width = column.storedWidth
            let output = target.assumingMemoryBound(to: Int128.self)
            for index in 0..<count {
                output[index] = try bigEndianWide(UnsafeRawBufferPointer(start: stored + index * width, count: width))
            }
        case .bigEndianDecimal:
            let width = column.storedWidth
            let output = target.assumingMemoryBound(to: Int64.self)
            for index in 0..<count {
                output[index] = try bigEndianInteger(
                    UnsafeRawBufferPointer(start: stored + index * width, count: width))
            }
        case .string:
            preconditionFailure("strings are not fixed-width")
        }
    }

    /// A big-endian two's-complement integer of 1 to 16 bytes that must have at most the
    /// column's precision in digits (a DECIMAL(19…38)).
    private func bigEndianWide(_ bytes: UnsafeRawBufferPointer) throws(ParquetError) -> Int128 {
        guard bytes.count > 0 else { return 0 }
        var value: UInt128 = bytes[0] & 0x80 != 0 ? ~0 : 0
        for byte in bytes { value = (value << 8) | UInt128(byte) }
        let result = Int128(bitPattern: value)
        guard case .decimal(let precision, _) = column.type else { preconditionFailure("a wide DECIMAL column") }
        let limit = ParquetColumnReader.wideLimits[precision]
        guard result <= limit, result >= -limit else {
            throw ParquetError(.corrupt, "a DECIMAL value of more than \(precision) digits")
        }
        return result
    }

    /// 10^p − 1 for p in 0 ... 38.
    static let wideLimits: [Int128] = (0...38).map { p in (0..<p).reduce(Int128(1)) { r, _ in r * 10 } - 1 }

    /// A big-endian two's-complement integer of up to 16 bytes that must fit an Int64.
    private func bigEndianInteger(_ bytes: UnsafeRawBufferPointer) throws(ParquetError) -> Int64 {
        guard bytes.count > 0 else { return 0 }
        let negative = bytes[0] & 0x80 != 0
        var value: UInt64 = negative ? ~0 : 0
        let excess = bytes.count - 8
        for index in 0..<bytes.count {
            if index < excess {
                // Leading bytes beyond eight must be the sign extension.
                guard bytes[index] == (negative ? 0xFF : 0) else {
                    throw ParquetError(.corrupt, "a DECIMAL value beyond 18 digits")
                }
                continue
            }
            value = (value << 8) | UInt64(bytes[index])
        }
        let result = Int64(bitPattern: value)
        guard excess <= 0 || (result < 0) == negative else {
            throw ParquetError(.corrupt, "a DECIMAL value beyond 18 digits")
        }
        return result
    }

    /// Collects the next `count` byte-array values (PLAIN, DELTA_LENGTH or DELTA) into `slices`.
    private func takeSlices(_ count: Int) throws(ParquetError) {
        slices.removeAll(keepingCapacity: true)
        switch encoding {
        case .plain:
            let base = page.baseAddress!
            var at = valuePosition
            for _ in 0..<count {
                guard page.count - at >= 4 else {
                    throw ParquetError(.truncated, "the page ends inside a string length")
                }
                let length = Int(UInt32(littleEndian: page.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
                guard length <= page.count - at - 4 else {
                    throw ParquetError(.truncated, "a string of \(length) bytes past the end of the page")
                }
                slices.append(UnsafeRawBufferPointer(start: base + at + 4, count: length))
                at += 4 + length
            }
            valuePosition = at
        case .ranges:
            guard count <= ranges.count - valueIndex else {
                throw ParquetError(.truncated, "the page ends before its \(count) values")
            }
            if let heap = ownHeap {
                // The heap lives as long as the page; its storage does not move while unchanged.
                heap.withUnsafeBytes { bytes in
                    for index in valueIndex..<(valueIndex + count) {
                        slices.append(UnsafeRawBufferPointer(rebasing: bytes[ranges[index]]))
                    }
                }
            } else {
                for index in valueIndex..<(valueIndex + count) {
                    slices.append(UnsafeRawBufferPointer(rebasing: page[ranges[index]]))
                }
            }
            valueIndex += count
        default:
            throw ParquetError(.unsupported, "this encoding for byte arrays")
        }
    }

    private func convertSlices(into target: UnsafeMutableRawPointer) throws(ParquetError) {
        if column.conversion == .bigEndianWideDecimal {
            let output = target.assumingMemoryBound(to: Int128.self)
            for (index, slice) in slices.enumerated() {
                guard slice.count <= 16 else {
                    throw ParquetError(.corrupt, "a DECIMAL value of \(slice.count) bytes")
                }
                output[index] = try bigEndianWide(slice)
            }
            return
        }
        guard column.conversion == .bigEndianDecimal else {
            throw ParquetError(.unsupported, "byte arrays for a \(column.type) column")
        }
        let output = target.assumingMemoryBound(to: Int64.self)
        for (index, slice) in slices.enumerated() {
            guard slice.count <= 16 else { throw ParquetError(.corrupt, "a DECIMAL value of \(slice.count) bytes") }
            output[index] = try bigEndianInteger(slice)
        }
    }

    /// Appends `rows` string rows (`nonNull` of them valid, by `levelScratch` when fewer) to `vector`.
    func readStrings(_ rows: Int, nonNull: Int, into vector: ColumnVector) throws(ParquetError) {
        let hasNulls = nonNull < rows
        if encoding == .dictionary {
            try decodeCodes(nonNull)
            let entries = dictionary!
            var code = 0
            for row in 0..<rows {
                if hasNulls && levelScratch[row] == 0 {
                    vector.appendNull()
                } else {
                    vector.appendBytes(entries.bytes(at: Int(codeScratch[code])))
                    code += 1
                }
            }
            return
        }
        try takeSlices(nonNull)
        var value = 0
        for row in 0..<rows {
            if hasNulls && levelScratch[row] == 0 {
                vector.appendNull()
            } else {
                vector.appendBytes(slices[value])
                value += 1
            }
        }
    }
}
