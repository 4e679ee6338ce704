import PlazaCore
import PlazaVector

/// An open-addressing table from one integer key (BIGINT, DECIMAL, TIMESTAMP as Int64; DATE as
/// Int32) to dense key numbers, probed with loops typed on the value: no packing, no byte compares.
///
/// Slots hold the key and `number + 1` (0 = empty); linear probing at most half full, so the
/// table is sized once from the build's row count and never grows.
final class IntegerKeyTable: @unchecked Sendable {
    // Safe to share: written only while building, read-only while probing.
    private let keys: UnsafeMutablePointer<Int64>
    private let numbers: UnsafeMutablePointer<Int32>
    private let mask: Int
    private let shift: UInt64
    /// The number of distinct keys.
    private(set) var count = 0

    /// Whether `vector` can key this table (a flat or dictionary vector of 4- or 8-byte integers).
    static func supports(_ vector: ColumnVector) -> Bool {
        switch vector.physicalType {
        case .int64, .int32: return vector.type != .double
        default: return false
        }
    }

    /// Creates a table for up to `capacity` distinct keys.
    init(capacity: Int) {
        var slots = 16
        while slots < capacity * 2 { slots *= 2 }
        mask = slots - 1
        shift = UInt64(64 - slots.trailingZeroBitCount)
        keys = .allocate(capacity: slots)
        numbers = .allocate(capacity: slots)
        numbers.initialize(repeating: 0, count: slots)
        keys.initialize(repeating: 0, count: slots)
    }

    deinit {
        keys.deallocate()
        numbers.deallocate()
    }

    /// Bytes held.
    var footprint: Int { (mask + 1) * 12 }

    @inline(__always)
    private func slot(of key: Int64) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) &>> shift)
    }

    /// Inserts the keys of `rows` of `vector` (never NULL there), writing each row's key number.
    func insert(_ vector: ColumnVector, rows: UnsafeBufferPointer<Int32>, into numbersOut: UnsafeMutablePointer<Int32>)
    {
        let flat = vector.flattened()
        if flat.physicalType == .int64 {
            insert(flat.data.assumingMemoryBound(to: Int64.self), rows, numbersOut)
        } else {
            insert(flat.data.assumingMemoryBound(to: Int32.self), rows, numbersOut)
        }
    }

    @inline(__always)
    private func insert<T: FixedWidthInteger>(
        _ values: UnsafeMutablePointer<T>, _ rows: UnsafeBufferPointer<Int32>, _ out: UnsafeMutablePointer<Int32>
    ) {
        let keys = self.keys, numbers = self.numbers, mask = self.mask
        var count = self.count
        for i in 0..<rows.count {
            let key = Int64(values[Int(rows[i])])
            var slot = self.slot(of: key)
            while true {
                let number = numbers[slot]
                if number == 0 {
                    keys[slot] = key
                    count &+= 1
                    numbers[slot] = Int32(truncatingIfNeeded: count)
                    out[i] = Int32(truncatingIfNeeded: count &- 1)
                    break
                }
                if keys[slot] == key {
                    out[i] = number &- 1
                    break
                }
                slot = (slot &+ 1) & mask
            }
        }
        self.count = count
    }

    /// Writes the key number of each of the first `count` rows of `vector`, or -1 when absent
    /// (NULL rows get any value; the caller overwrites them).
    func find(_ vector: ColumnVector, count: Int, into out: UnsafeMutablePointer<Int32>) {
        let flat = vector.flattened()
        if flat.physicalType == .int64 {
            find(flat.data.assumingMemoryBound(to: Int64.self), count, out)
        } else {
            find(flat.data.assumingMemoryBound(to: Int32.self), count, out)
        }
    }

    @inline(__always)
    private func find<T: FixedWidthInteger>(
        _ values: UnsafeMutablePointer<T>, _ count: Int, _ out: UnsafeMutablePointer<Int32>
    ) {
        let keys = self.keys, numbers = self.numbers, mask = self.mask
        for row in 0..<count {
            let key = Int64(values[row])
            var slot = self.slot(of: key)
            while true {
                let number = numbers[slot]
                if number == 0 || keys[slot] == key {
                    out[row] = number &- 1
                    break
                }
                slot = (slot &+ 1) & mask
            }
        }
    }
}
