import PlazaCore

/// One column of up to `capacity` values in contiguous memory, with an optional validity bitmap.
///
/// Layout by physical type: fixed-width values sit in `data` (`count × byteWidth` bytes);
/// strings keep `count + 1` Int32 offsets in `data` and their UTF-8 bytes in `heap`
/// (value `i` is `heap[offsets[i] ..< offsets[i+1]]`). A dictionary vector keeps UInt32 codes in
/// `data` and the distinct values in `dictionary`; kernels that do not work on codes call
/// `flattened()`. NULL rows have unspecified values (zero for fixed width, empty for strings).
@usableFromInline package final class ColumnVector {
    /// The logical type of the values.
    package let type: DataType
    /// The physical layout (cached from `type`).
    package let physicalType: PhysicalType
    /// Bytes per fixed-width value (0 for strings).
    package let byteWidth: Int
    // The stored `var`s skip Swift's dynamic exclusivity checks: every access from outside an
    // inlined kernel cost a runtime call and a thread-local lookup (5-7% of TPC-H join queries).
    /// The number of values the buffers hold room for without growing.
    @exclusivity(unchecked) @usableFromInline package private(set) var capacity: Int
    /// The number of values.
    @exclusivity(unchecked) @usableFromInline package var count: Int
    /// Values (fixed width), offsets (strings) or codes (dictionary); 16-byte aligned (Int128).
    @exclusivity(unchecked) @usableFromInline package private(set) var data: UnsafeMutableRawPointer
    /// Validity bits (LSB-first), room for `capacity` rows; meaningful only when `hasNulls`.
    @exclusivity(unchecked) @usableFromInline package private(set) var validityWords: UnsafeMutablePointer<UInt64>
    /// Whether any row may be NULL; when false, `validityWords` is ignored.
    @exclusivity(unchecked) @usableFromInline package var hasNulls: Bool
    /// UTF-8 bytes of string values.
    @exclusivity(unchecked) @usableFromInline package private(set) var heap: UnsafeMutableRawPointer
    /// Bytes used in `heap`.
    @exclusivity(unchecked) @usableFromInline package var heapCount: Int
    /// Bytes allocated for `heap`.
    @exclusivity(unchecked) @usableFromInline package private(set) var heapCapacity: Int
    /// For a dictionary vector: the distinct values that `data`'s UInt32 codes index.
    @exclusivity(unchecked) @usableFromInline package private(set) var dictionary: ColumnVector?

    /// The default number of rows in a batch.
    package static let batchCapacity = 2048

    /// Creates an empty vector of `type` with room for `capacity` values.
    package init(type: DataType, capacity: Int = ColumnVector.batchCapacity) {
        precondition(capacity >= 0, "negative capacity")
        self.type = type
        self.physicalType = type.physicalType
        self.byteWidth = type.physicalType.byteWidth
        self.capacity = capacity
        self.count = 0
        self.hasNulls = false
        (self.data, self.validityWords) = ColumnVector.allocateBlock(
            dataBytes: ColumnVector.dataBytes(physicalType, byteWidth, capacity), capacity: capacity)
        self.heapCapacity = physicalType == .string ? 64 : 0
        self.heap = physicalType == .string ? ColumnVector.allocate(bytes: heapCapacity) : ColumnVector.noHeap
        self.heapCount = 0
        if physicalType == .string { data.storeBytes(of: Int32(0), as: Int32.self) }
    }

    deinit {
        data.deallocate()  // the validity words too: one block
        if heapCapacity > 0 { heap.deallocate() }
    }

    /// The heap of vectors without strings: shared, never written, never freed (one allocation
    /// less per vector; allocations were a fifth of a join query's time).
    nonisolated(unsafe) private static let noHeap = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64)

    /// One 16-byte aligned block: `dataBytes` (rounded up to 64) of data, then the validity words
    /// for `capacity` rows.
    private static func allocateBlock(dataBytes: Int, capacity: Int)
        -> (data: UnsafeMutableRawPointer, validity: UnsafeMutablePointer<UInt64>)
    {
        let dataPart = (max(dataBytes, 1) + 63) & ~63
        let words = max(1, ValidityBitmap.wordCount(for: capacity))
        let block = allocate(bytes: dataPart + words * 8)
        return (block, (block + dataPart).bindMemory(to: UInt64.self, capacity: words))
    }

    @inline(__always)
    private static func dataBytes(_ physical: PhysicalType, _ width: Int, _ capacity: Int) -> Int {
        physical == .string ? (capacity + 1) * 4 : max(1, capacity) * max(width, 4)
    }

    private static func allocate(bytes: Int) -> UnsafeMutableRawPointer {
        .allocate(byteCount: max(bytes, 64), alignment: 16)
    }

    /// The validity bitmap view (all valid when `hasNulls` is false).
    @inlinable
    package var validity: ValidityBitmap { ValidityBitmap(words: hasNulls ? validityWords : nil) }

    /// Whether this vector holds dictionary codes rather than values.
    @inlinable
    package var isDictionary: Bool { dictionary != nil }

    /// Whether row `row` holds a value (is not NULL).
    @inlinable
    package func isValid(at row: Int) -> Bool { validity.isValid(at: row) }

    /// Empties the vector, keeping its buffers for reuse.
    package func reset() {
        count = 0
        hasNulls = false
        heapCount = 0
        dictionary = nil
        if physicalType == .string { data.storeBytes(of: Int32(0), as: Int32.self) }
    }

    /// Grows the buffers so that at least `newCapacity` values fit; keeps the contents.
    @usableFromInline package func reserve(_ newCapacity: Int) {
        guard newCapacity > capacity else { return }
        let wide = dictionary != nil ? 4 : 0
        let oldBytes = wide > 0 ? capacity * 4 : ColumnVector.dataBytes(physicalType, byteWidth, capacity)
        let newBytes = max(ColumnVector.dataBytes(physicalType, byteWidth, newCapacity), newCapacity * 4)
        let (newData, newWords) = ColumnVector.allocateBlock(dataBytes: newBytes, capacity: newCapacity)
        newData.copyMemory(from: data, byteCount: oldBytes)
        let oldWords = max(1, ValidityBitmap.wordCount(for: capacity))
        newWords.update(from: validityWords, count: oldWords)
        let addedWords = max(1, ValidityBitmap.wordCount(for: newCapacity)) - oldWords
        if addedWords > 0 { (newWords + oldWords).initialize(repeating: ~0, count: addedWords) }
        data.deallocate()  // and the old validity words with it
        data = newData
        validityWords = newWords
        capacity = newCapacity
    }

    /// Makes sure `extra` more heap bytes fit.
    @inlinable
    package func reserveHeap(_ extra: Int) {
        if heapCount + extra > heapCapacity { growHeap(heapCount + extra) }
    }

    @usableFromInline
    @inline(never)
    func growHeap(_ needed: Int) {
        var newCapacity = max(heapCapacity * 2, 64)
        while newCapacity < needed { newCapacity *= 2 }
        let newHeap = ColumnVector.allocate(bytes: newCapacity)
        newHeap.copyMemory(from: heap, byteCount: heapCount)
        if heapCapacity > 0 { heap.deallocate() }
        heap = newHeap
        heapCapacity = newCapacity
    }

    // MARK: Typed access

    /// The values as a typed buffer of `count` elements (fixed-width types or dictionary codes).
    @inlinable
    package func values<T>(as: T.Type) -> UnsafeMutableBufferPointer<T> {
        UnsafeMutableBufferPointer(start: data.assumingMemoryBound(to: T.self), count: count)
    }

    /// The string offsets: `count + 1` Int32 values.
    @inlinable
    package var offsets: UnsafeMutablePointer<Int32> { data.assumingMemoryBound(to: Int32.self) }

    /// The UTF-8 bytes of string row `row` (empty for NULL rows).
    @inlinable
    package func bytes(at row: Int) -> UnsafeRawBufferPointer {
        let start = Int(offsets[row]), end = Int(offsets[row + 1])
        return UnsafeRawBufferPointer(start: heap + start, count: end - start)
    }

    /// Marks row `row` NULL or valid, creating the bitmap (all valid) on the first NULL.
    @inlinable
    package func setValid(_ isValid: Bool, at row: Int) {
        if !isValid && !hasNulls {
            validityWords.update(repeating: ~0, count: max(1, ValidityBitmap.wordCount(for: capacity)))
            hasNulls = true
        }
        guard hasNulls else { return }
        let bit = UInt64(1) &<< UInt64(row & 63)
        if isValid { validityWords[row &>> 6] |= bit } else { validityWords[row &>> 6] &= ~bit }
    }

    /// Marks rows `base ..< base + count` valid where `flags` (one per row) is nonzero and NULL
    /// where it is zero: a reader's definition levels turned into the bitmap in one pass.
    package func setValidity(flags: UnsafePointer<UInt32>, count rows: Int, at base: Int) {
        if !hasNulls {
            validityWords.update(repeating: ~0, count: max(1, ValidityBitmap.wordCount(for: capacity)))
            hasNulls = true
        }
        // A local pointer: each access to the property would cost an exclusivity check.
        let words = validityWords
        for index in 0..<rows {
            let row = base &+ index
            let bit = UInt64(1) &<< UInt64(row & 63)
            if flags[index] != 0 { words[row &>> 6] |= bit } else { words[row &>> 6] &= ~bit }
        }
    }

    /// Appends rows `rows` of `source` (same type), NULLs included, in one pass over pointers
    /// taken once: a writer buffering batches, without a checked append per row. Both vectors are
    /// flat, or both dictionary vectors over the same dictionary (the codes are appended).
    package func appendRows(of source: ColumnVector, _ rows: UnsafeBufferPointer<Int32>) {
        precondition(source.dictionary === dictionary && source.physicalType == physicalType)
        let n = rows.count
        let base = count
        reserve(base + n)
        let sourceValidity = source.validity
        if dictionary != nil {
            let from = UnsafeRawPointer(source.data).assumingMemoryBound(to: UInt32.self)
            let to = data.assumingMemoryBound(to: UInt32.self) + base
            for (i, r) in rows.enumerated() { to[i] = from[Int(r)] }
        } else if physicalType == .string {
            let sourceOffsets = source.offsets
            let sourceHeap = source.heap
            var total = 0
            for row in rows where sourceValidity.isValid(at: Int(row)) {
                total += Int(sourceOffsets[Int(row) + 1] - sourceOffsets[Int(row)])
            }
            reserveHeap(total)
            let targetOffsets = offsets
            let targetHeap = heap
            var used = heapCount
            for (index, row) in rows.enumerated() {
                let r = Int(row)
                if sourceValidity.isValid(at: r) {
                    let start = Int(sourceOffsets[r])
                    let length = Int(sourceOffsets[r + 1]) - start
                    if length > 0 { (targetHeap + used).copyMemory(from: sourceHeap + start, byteCount: length) }
                    used += length
                }
                targetOffsets[base + index + 1] = Int32(used)
            }
            heapCount = used
        } else {
            let width = byteWidth
            let from = UnsafeRawPointer(source.data)
            let to = data + base * width
            switch width {
            case 1:
                for (i, r) in rows.enumerated() {
                    to.storeBytes(
                        of: from.load(fromByteOffset: Int(r), as: UInt8.self), toByteOffset: i, as: UInt8.self)
                }
            case 4:
                for (i, r) in rows.enumerated() {
                    to.storeBytes(
                        of: from.load(fromByteOffset: Int(r) &* 4, as: UInt32.self), toByteOffset: i &* 4,
                        as: UInt32.self)
                }
            case 8:
                for (i, r) in rows.enumerated() {
                    to.storeBytes(
                        of: from.load(fromByteOffset: Int(r) &* 8, as: UInt64.self), toByteOffset: i &* 8,
                        as: UInt64.self)
                }
            default:
                for (i, r) in rows.enumerated() {
                    (to + i * width).copyMemory(from: from + Int(r) * width, byteCount: width)
                }
            }
        }
        count = base + n
        if source.hasNulls || hasNulls {
            let flags = UnsafeMutablePointer<UInt32>.allocate(capacity: Swift.max(n, 1))
            defer { flags.deallocate() }
            var valid = 0
            for (index, row) in rows.enumerated() {
                let isValid = sourceValidity.isValid(at: Int(row))
                flags[index] = isValid ? 1 : 0
                valid &+= isValid ? 1 : 0
            }
            // Rows all valid leave a vector without NULLs as it is: no bitmap that marks none.
            if hasNulls || valid < n { setValidity(flags: flags, count: n, at: base) }
        }
    }

    // MARK: Appending (builders: CSV import, results; not for hot kernels)

    /// Appends a fixed-width value.
    @inlinable
    package func append<T>(_ value: T) {
        if count == capacity { reserve(Swift.max(capacity * 2, 16)) }
        data.assumingMemoryBound(to: T.self)[count] = value
        count += 1
        if hasNulls { setValid(true, at: count - 1) }
    }

    /// Appends a string value given as UTF-8 bytes.
    @inlinable
    package func appendBytes(_ bytes: UnsafeRawBufferPointer) {
        if count == capacity { reserve(Swift.max(capacity * 2, 16)) }
        reserveHeap(bytes.count)
        if bytes.count > 0 { (heap + heapCount).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count) }
        heapCount += bytes.count
        offsets[count + 1] = Int32(heapCount)
        count += 1
        if hasNulls { setValid(true, at: count - 1) }
    }

    /// Appends a string.
    package func appendString(_ string: String) {
        var s = string
        s.withUTF8 { appendBytes(UnsafeRawBufferPointer($0)) }
    }

    /// Appends a NULL.
    package func appendNull() {
        if count == capacity { reserve(Swift.max(capacity * 2, 16)) }
        switch physicalType {
        case .string: offsets[count + 1] = Int32(heapCount)
        default: (data + count * byteWidth).initializeMemory(as: UInt8.self, repeating: 0, count: byteWidth)
        }
        count += 1
        setValid(false, at: count - 1)
    }

    /// Appends a scalar value, converting it to the vector's type; traps on a mismatch (a bug).
    package func append(value: Value) {
        switch (value, physicalType) {
        case (.null, _): appendNull()
        case (.boolean(let b), .uint8): append(UInt8(b ? 1 : 0))
        case (.bigint(let v), .int64): append(v)
        case (.decimal(let v, _), .int64): append(v)
        case (.decimal(let v, _), .int128): append(Int128(v))
        case (.wideDecimal(let v, _), .int128): append(v)
        case (.wideDecimal(let v, _), .int64) where Int64(exactly: v) != nil: append(Int64(v))
        case (.timestamp(let v), .int64): append(v)
        case (.double(let v), .double): append(v)
        case (.date(let v), .int32): append(v)
        case (.varchar(let s), .string): appendString(s)
        case (.interval(let i), .interval): append(i)
        default: preconditionFailure("value \(value) does not fit a \(type) vector")
        }
    }

    /// The value at `row` as a scalar (for result access and tests; not for hot loops).
    package func value(at row: Int) -> Value {
        if let dictionary {
            if !isValid(at: row) { return .null }
            return dictionary.value(at: Int(data.assumingMemoryBound(to: UInt32.self)[row]))
        }
        if !isValid(at: row) { return .null }
        switch type {
        case .boolean: return .boolean(data.load(fromByteOffset: row, as: UInt8.self) != 0)
        case .bigint: return .bigint(data.load(fromByteOffset: row * 8, as: Int64.self))
        case .decimal(let precision, let scale):
            if precision > DataType.maxNarrowDecimalPrecision {
                return .wideDecimal(data.load(fromByteOffset: row * 16, as: Int128.self), scale: scale)
            }
            return .decimal(data.load(fromByteOffset: row * 8, as: Int64.self), scale: scale)
        case .timestamp: return .timestamp(data.load(fromByteOffset: row * 8, as: Int64.self))
        case .double: return .double(data.load(fromByteOffset: row * 8, as: Double.self))
        case .date: return .date(data.load(fromByteOffset: row * 4, as: Int32.self))
        case .varchar: return .varchar(String(decoding: bytes(at: row), as: UTF8.self))
        case .interval: return .interval(data.load(fromByteOffset: row * 16, as: Interval.self))
        case .null: return .null
        }
    }

    // MARK: Dictionary vectors

    /// Turns this vector into a dictionary vector over `dictionary`, with room for `count` codes
    /// written by the caller into `values(as: UInt32.self)` after setting `count`.
    package func makeDictionary(_ dictionary: ColumnVector, count: Int) {
        precondition(dictionary.type == type, "dictionary type mismatch")
        if capacity < count { reserve(count) }
        self.dictionary = dictionary
        self.heapCount = 0
        self.count = count
    }

    /// A flat copy of a dictionary vector (or `self` if already flat).
    package func flattened() -> ColumnVector {
        guard let dictionary else { return self }
        let n = count
        let flat = ColumnVector(type: type, capacity: Swift.max(n, 1))
        let codes = data.assumingMemoryBound(to: UInt32.self)
        // Locals, not properties, in the loops: each property access of a class costs an exclusivity check.
        let words: UnsafeMutablePointer<UInt64>? = hasNulls ? validityWords : nil
        @inline(__always) func valid(_ row: Int) -> Bool {
            guard let words else { return true }
            return words[row >> 6] & (1 << UInt64(row & 63)) != 0
        }
        if physicalType == .string {
            let entryOffsets = dictionary.offsets, entryBytes = dictionary.heap
            var total = 0
            for row in 0..<n where valid(row) {
                let code = Int(codes[row])
                total += Int(entryOffsets[code + 1] - entryOffsets[code])
            }
            flat.reserveHeap(total)
            let offsets = flat.offsets, heap = flat.heap
            var end = 0
            for row in 0..<n {
                if valid(row) {
                    let code = Int(codes[row])
                    let start = Int(entryOffsets[code]), length = Int(entryOffsets[code + 1]) - start
                    if length > 0 { (heap + end).copyMemory(from: entryBytes + start, byteCount: length) }
                    end += length
                }
                offsets[row + 1] = Int32(end)
            }
            flat.heapCount = end
        } else {
            switch physicalType {
            case .uint8: flat.gatherEntries(of: dictionary, codes, n, UInt8.self)
            case .int32: flat.gatherEntries(of: dictionary, codes, n, Int32.self)
            case .int64: flat.gatherEntries(of: dictionary, codes, n, Int64.self)
            case .double: flat.gatherEntries(of: dictionary, codes, n, UInt64.self)
            case .interval: flat.gatherEntries(of: dictionary, codes, n, Interval.self)
            case .int128: flat.gatherEntries(of: dictionary, codes, n, Int128.self)
            case .string: preconditionFailure("text handled above")
            }
            if let words { flat.zeroNullSlots(words, n, width: byteWidth) }
        }
        flat.count = n
        flat.copyValidity(of: self)
        return flat
    }

    /// Writes `dictionary`'s entry of each of the `n` codes into `data`, one typed load and store
    /// per row (a byte copy of a runtime width cost a `memmove` call per value). A NULL row's code
    /// may be anything, so each code is clamped to the dictionary; `zeroNullSlots` clears those rows.
    @inline(__always)
    private func gatherEntries<T>(of dictionary: ColumnVector, _ codes: UnsafePointer<UInt32>, _ n: Int, _: T.Type) {
        let entries = dictionary.data.assumingMemoryBound(to: T.self), target = data.assumingMemoryBound(to: T.self)
        guard dictionary.count > 0 else {
            // Only NULL rows can point into an empty dictionary.
            data.initializeMemory(as: UInt8.self, repeating: 0, count: n * MemoryLayout<T>.stride)
            return
        }
        let last = UInt32(dictionary.count - 1)
        for row in 0..<n { target[row] = entries[Int(Swift.min(codes[row], last))] }
    }

    /// Zeroes the values of the rows NULL in `words` (a decoded block leaves zeros there, and
    /// kernels that compute NULL rows rely on it), a word of 64 rows at a time.
    private func zeroNullSlots(_ words: UnsafePointer<UInt64>, _ n: Int, width: Int) {
        for w in 0..<ValidityBitmap.wordCount(for: n) where words[w] != ~0 {
            var nulls = ~words[w]
            while nulls != 0 {
                let row = w &* 64 &+ nulls.trailingZeroBitCount
                nulls &= nulls &- 1
                if row >= n { break }
                (data + row * width).initializeMemory(as: UInt8.self, repeating: 0, count: width)
            }
        }
    }

    /// Gives this vector `source`'s NULLs for its first `count` rows (a bitmap only if `source` has one).
    package func copyValidity(of source: ColumnVector) {
        guard source.hasNulls else { return }
        let n = source.count
        setValid(false, at: 0)  // creates the bitmap; the words are copied over it
        validityWords.update(from: source.validityWords, count: ValidityBitmap.wordCount(for: n))
        // Bits past `n` stay set, as `setValid` leaves them.
        if n & 63 != 0 { validityWords[n &>> 6] |= ~0 &<< UInt64(n & 63) }
    }

    /// Sets `count` directly after a kernel or decoder filled `data` (fixed width only).
    @inlinable
    package func setCount(_ newCount: Int) {
        precondition(newCount <= capacity, "count beyond capacity")
        count = newCount
    }

    /// Sets the heap size after a decoder wrote string bytes directly into `heap`.
    @inlinable
    package func setHeapCount(_ newCount: Int) {
        precondition(newCount <= heapCapacity, "heap count beyond capacity")
        heapCount = newCount
    }
}
