import Dispatch
import Synchronization

/// Runs `count` tasks on up to `threads` threads, each task once, in a shared order.
enum SortParallel {
    /// Calls `body(task)` for every task in 0..<count; returns when all are done.
    static func run(_ count: Int, threads: Int, _ body: @Sendable (Int) -> Void) {
        let workers = Swift.max(1, Swift.min(threads, count))
        if workers == 1 {
            for task in 0..<count { body(task) }
            return
        }
        let next = SortTaskCounter()
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let task = next.value.add(1, ordering: .relaxed).oldValue
                if task >= count { return }
                body(task)
            }
        }
    }
}

/// The next task of a `SortParallel.run`.
final class SortTaskCounter: Sendable {
    let value = Atomic<Int>(0)
}

/// A raw pointer shared by sort threads.
///
/// Safe to send: every parallel step writes disjoint index ranges and reads only what earlier,
/// joined steps wrote.
struct SortShared<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
    init(_ base: UnsafeMutablePointer<T>) { self.base = base }
}

/// Radix sorting and selection of `SortEntry` arrays by their packed keys.
///
/// Sorts are stable (ties keep their order), so entries laid out in input order come out with
/// ties in input order, as the merge of sorted runs gave them.
enum SortRadix {
    /// Sorts `count` entries at `data` by key (the low `bits` bits; higher bits are zero), using
    /// `scratch` (room for `count`); returns the buffer holding the result (`data` or `scratch`).
    static func sort(
        _ data: UnsafeMutablePointer<SortEntry>, _ scratch: UnsafeMutablePointer<SortEntry>, count: Int, bits: Int,
        threads: Int
    ) -> UnsafeMutablePointer<SortEntry> {
        if count < 65_536 || threads == 1 || bits <= 8 {
            return lsd(data, scratch, count: count, bits: bits)
        }
        // Partition by the top digit (stably: each chunk's entries go in chunk order), then sort
        // every partition on the remaining bits on whichever thread is free.
        let digitBits = Swift.min(bits, 12)
        let shift = UInt64(bits - digitBits)
        let buckets = 1 << digitBits
        let chunks = threads
        let chunkSize = (count + chunks - 1) / chunks
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: chunks * buckets)
        defer { counts.deallocate() }
        counts.initialize(repeating: 0, count: chunks * buckets)
        let source = SortShared(data), target = SortShared(scratch), table = SortShared(counts)
        SortParallel.run(chunks, threads: threads) { chunk in
            let histogram = table.base + chunk * buckets
            for i in (chunk * chunkSize)..<Swift.min(count, (chunk + 1) * chunkSize) {
                histogram[Int(truncatingIfNeeded: source.base[i].key &>> shift)] &+= 1
            }
        }
        // counts[chunk][bucket] becomes that chunk's write position in the bucket.
        let starts = UnsafeMutablePointer<Int>.allocate(capacity: buckets + 1)
        defer { starts.deallocate() }
        chunkPositions(counts, chunks: chunks, buckets: buckets, starts: starts)
        SortParallel.run(chunks, threads: threads) { chunk in
            let cursor = table.base + chunk * buckets
            for i in (chunk * chunkSize)..<Swift.min(count, (chunk + 1) * chunkSize) {
                let entry = source.base[i]
                let bucket = Int(truncatingIfNeeded: entry.key &>> shift)
                target.base[cursor[bucket]] = entry
                cursor[bucket] &+= 1
            }
        }
        let bounds = SortShared(starts)
        SortParallel.run(buckets, threads: threads) { bucket in
            let start = bounds.base[bucket], n = bounds.base[bucket + 1] - start
            if n > 1 {
                let result = lsd(target.base + start, source.base + start, count: n, bits: Int(shift))
                if result != target.base + start { (target.base + start).update(from: result, count: n) }
            }
        }
        return scratch
    }

    /// Turns per-chunk bucket counts (`counts[chunk * buckets + bucket]`) into each chunk's first
    /// write position in its bucket, buckets laid out one after another and chunks in order inside
    /// each (so a scatter keeps input order), and writes each bucket's start to `starts` (`buckets + 1`
    /// entries, the last the total).
    static func chunkPositions(
        _ counts: UnsafeMutablePointer<Int>, chunks: Int, buckets: Int, starts: UnsafeMutablePointer<Int>
    ) {
        var position = 0
        for bucket in 0..<buckets {
            starts[bucket] = position
            for chunk in 0..<chunks {
                let n = counts[chunk * buckets + bucket]
                counts[chunk * buckets + bucket] = position
                position += n
            }
        }
        starts[buckets] = position
    }

    /// Single-threaded stable LSD radix sort on 8-bit digits; digits equal in every entry are
    /// skipped. Returns the buffer holding the result.
    static func lsd(
        _ data: UnsafeMutablePointer<SortEntry>, _ scratch: UnsafeMutablePointer<SortEntry>, count: Int, bits: Int
    ) -> UnsafeMutablePointer<SortEntry> {
        if count <= 48 {
            insertionSort(data, count: count)
            return data
        }
        let digits = (bits + 7) / 8
        if digits == 0 { return data }
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: digits * 256)
        defer { counts.deallocate() }
        counts.initialize(repeating: 0, count: digits * 256)
        for i in 0..<count {
            var key = data[i].key
            for digit in 0..<digits {
                counts[digit &* 256 &+ Int(truncatingIfNeeded: key & 0xFF)] &+= 1
                key &>>= 8
            }
        }
        var source = data, target = scratch
        for digit in 0..<digits {
            let table = counts + digit * 256
            var position = 0
            var isTrivial = false
            for value in 0..<256 {
                let n = table[value]
                if n == count { isTrivial = true }
                table[value] = position
                position += n
            }
            if isTrivial { continue }
            let shift = UInt64(digit * 8)
            for i in 0..<count {
                let entry = source[i]
                let value = Int(truncatingIfNeeded: (entry.key &>> shift) & 0xFF)
                target[table[value]] = entry
                table[value] &+= 1
            }
            swap(&source, &target)
        }
        return source
    }

    /// Stable insertion sort by key (for a few entries).
    static func insertionSort(_ data: UnsafeMutablePointer<SortEntry>, count: Int) {
        if count < 2 { return }
        for i in 1..<count {
            let entry = data[i]
            var j = i
            while j > 0 && data[j - 1].key > entry.key {
                data[j] = data[j - 1]
                j -= 1
            }
            data[j] = entry
        }
    }
}
