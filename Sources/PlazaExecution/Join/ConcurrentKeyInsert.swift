import Dispatch
import Synchronization

/// The state the threads of `IntegerKeyTable.insertConcurrently` share.
final class ConcurrentInsert<T: FixedWidthInteger>: @unchecked Sendable {
    // Safe to share: each worker writes only the slots of its region, `out` at its rows and `keyOf`
    // at the numbers of its blocks; block claims are atomic, the rest under a mutex or after the
    // workers joined.
    let values: UnsafeMutablePointer<T>
    let rows: UnsafeBufferPointer<Int32>
    let out: UnsafeMutablePointer<Int32>
    let keyOf: UnsafeMutablePointer<Int64>
    let numbers: UnsafeMutablePointer<Int32>
    let mask: Int
    let workers: Int
    let low = Mutex(Int64.max)
    let high = Mutex(Int64.min)
    /// The next unclaimed block of numbers.
    let nextBlock = Atomic<Int>(0)
    let abandoned = Atomic<Bool>(false)
    /// Per worker: its last block's unused numbers, its distinct keys, and the rows it left.
    let results = Mutex([(holes: Range<Int>, distinct: Int, left: [Int32])]())
    /// Numbers claimed a block at a time: one atomic add per block, not per key.
    static var blockSize: Int { 1024 }

    init(
        values: UnsafeMutablePointer<T>, rows: UnsafeBufferPointer<Int32>, out: UnsafeMutablePointer<Int32>,
        keyOf: UnsafeMutablePointer<Int64>, numbers: UnsafeMutablePointer<Int32>, mask: Int, workers: Int
    ) {
        self.values = values
        self.rows = rows
        self.out = out
        self.keyOf = keyOf
        self.numbers = numbers
        self.mask = mask
        self.workers = workers
    }

    /// Every number claimed so far (the table's number range, holes included).
    var numberEnd: Int { nextBlock.load(ordering: .acquiring) }
    /// The distinct keys inserted.
    var distinct: Int { results.withLock { $0.reduce(0) { $0 + $1.distinct } } }
    /// The numbers no key holds.
    var holes: [Int] { results.withLock { $0.flatMap { Array($0.holes) } } }

    /// Forgets an abandoned insert (the slots are cleared by the caller).
    func reset() {
        nextBlock.store(0, ordering: .relaxed)
        abandoned.store(false, ordering: .relaxed)
        results.withLock { $0.removeAll() }
    }

    /// Folds the smallest and largest key of `worker`'s share of the rows into `low` and `high`.
    func findRange(worker: Int) {
        var low = Int64.max, high = Int64.min
        for i in (rows.count * worker / workers)..<(rows.count * (worker + 1) / workers) {
            let key = Int64(values[Int(rows[i])])
            low = Swift.min(low, key)
            high = Swift.max(high, key)
        }
        self.low.withLock { $0 = Swift.min($0, low) }
        self.high.withLock { $0 = Swift.max($0, high) }
    }

    /// Inserts every row with `placement`, region by region on the workers, then the rows they
    /// left on this thread; false when `budgeted` and a worker's extra slots visited passed 4 a
    /// row (plus 64), as the one-thread insert gives up key order.
    func insert<P: KeyPlacement & Sendable>(_ placement: P, budgeted: Bool) -> Bool {
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            self.insert(worker, placement, budgeted: budgeted)
        }
        if abandoned.load(ordering: .relaxed) { return false }
        // The rows whose probe reached the end of their region, in row order.
        let left = results.withLock { $0.flatMap(\.left) }.sorted()
        var number = 0, blockEnd = 0, distinct = 0
        for i in left {
            let key = Int64(values[Int(rows[Int(i)])])
            var slot = placement.position(key) & mask
            while true {
                let entry = numbers[slot]
                if entry == 0 {
                    claim(key, slot: slot, row: Int(i), &number, &blockEnd)
                    distinct &+= 1
                    break
                }
                if keyOf[Int(entry &- 1)] == key {
                    out[Int(i)] = entry &- 1
                    break
                }
                slot = (slot &+ 1) & mask
            }
        }
        results.withLock { $0.append((number..<blockEnd, distinct, [])) }
        return true
    }

    /// Puts `key` (of row `row`) in the empty `slot` with the next number of the block
    /// `number ..< blockEnd`, claiming a new block when that one is used up.
    @inline(__always)
    private func claim(_ key: Int64, slot: Int, row: Int, _ number: inout Int, _ blockEnd: inout Int) {
        if number == blockEnd {
            number = nextBlock.wrappingAdd(Self.blockSize, ordering: .relaxed).oldValue
            blockEnd = number + Self.blockSize
        }
        keyOf[number] = key
        numbers[slot] = Int32(truncatingIfNeeded: number &+ 1)
        out[row] = Int32(truncatingIfNeeded: number)
        number &+= 1
    }

    private func insert<P: KeyPlacement>(_ worker: Int, _ placement: P, budgeted: Bool) {
        let slots = mask + 1
        let regionStart = slots * worker / workers, regionEnd = slots * (worker + 1) / workers
        let budget = budgeted ? 4 &* (rows.count / workers) &+ 64 : Int.max
        var extra = 0, number = 0, blockEnd = 0, distinct = 0
        var left: [Int32] = []
        defer { results.withLock { $0.append((number..<blockEnd, distinct, left)) } }
        for i in 0..<rows.count {
            let key = Int64(values[Int(rows[i])])
            var slot = placement.position(key) & mask
            guard slot >= regionStart && slot < regionEnd else { continue }
            while true {
                let entry = numbers[slot]
                if entry == 0 {
                    claim(key, slot: slot, row: i, &number, &blockEnd)
                    distinct &+= 1
                    break
                }
                if keyOf[Int(entry &- 1)] == key {
                    out[i] = entry &- 1
                    break
                }
                slot &+= 1
                extra &+= 1
                if slot == regionEnd {
                    left.append(Int32(truncatingIfNeeded: i))
                    break
                }
            }
            if extra > budget {
                abandoned.store(true, ordering: .relaxed)
                return
            }
            // Another worker gave up key order: every row is inserted again by hash.
            if i & 4095 == 0 && abandoned.load(ordering: .relaxed) { return }
        }
    }
}
