import Foundation
import PlazaVector

/// Tests of a constant needle over a flat text vector, a batch at a time: `contains`, `starts_with`,
/// `ends_with`, and the LIKE patterns `'%x%'`, `'x%'`, `'%x'`.
///
/// A batch's texts lie end to end in its heap, so `contains` scans the heap once (`memchr` for the
/// needle's first byte, vectorized in libc, then `memcmp`) and maps each hit to its row, instead of
/// starting a search per row; the anchored tests compare bytes in place, with the pointers held in
/// locals (through `LikeMatcher` a row cost 20-30 ns).
enum TextSearch {
    /// Where a LIKE pattern without `_` has one literal: inside, at the start, or at the end.
    enum Anchor {
        case anywhere, start, end
    }

    /// Sets `result[row]` to 1 where the text of row `row` holds the non-empty `needle` at `anchor`,
    /// else 0, for rows `0 ..< count` of the flat text vector `v` (NULL rows hold no bytes; callers
    /// clear them after).
    static func find(
        _ needle: UnsafeRawBufferPointer, at anchor: Anchor, in v: ColumnVector, count: Int,
        into result: UnsafeMutablePointer<UInt8>
    ) {
        precondition(!needle.isEmpty && !v.isDictionary, "text search needs a needle and flat text")
        let offsets = UnsafePointer(v.offsets), heap = UnsafeRawPointer(v.heap)
        let wanted = needle.baseAddress!.assumingMemoryBound(to: UInt8.self), n = needle.count
        switch anchor {
        case .anywhere:
            contains(offsets, heap, wanted, n, count, result)
        case .start:
            for row in 0..<count {
                let start = Int(offsets[row]), length = Int(offsets[row &+ 1]) &- start
                result[row] = length >= n && same(heap + start, wanted, n) ? 1 : 0
            }
        case .end:
            for row in 0..<count {
                let start = Int(offsets[row]), end = Int(offsets[row &+ 1])
                result[row] = end &- start >= n && same(heap + (end &- n), wanted, n) ? 1 : 0
            }
        }
    }

    /// Whether the `n` bytes at `at` are `wanted`'s: the first byte tested before `memcmp`.
    @inline(__always)
    private static func same(_ at: UnsafeRawPointer, _ wanted: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        at.load(as: UInt8.self) == wanted[0] && (n == 1 || memcmp(at + 1, wanted + 1, n &- 1) == 0)
    }

    /// The heap scan of `find(_:at: .anywhere, …)`.
    private static func contains(
        _ offsets: UnsafePointer<Int32>, _ heap: UnsafeRawPointer, _ wanted: UnsafePointer<UInt8>, _ n: Int,
        _ count: Int, _ result: UnsafeMutablePointer<UInt8>
    ) {
        result.update(repeating: 0, count: count)
        guard count > 0 else { return }
        let first = Int32(wanted[0])
        let end = Int(offsets[count])
        var position = Int(offsets[0])
        var row = 0
        while end &- position >= n {
            guard let hit = memchr(heap + position, first, end &- position &- n &+ 1) else { return }
            let at = heap.distance(to: UnsafeRawPointer(hit))
            // The row holding the hit (empty rows skipped); `at < end` keeps it below `count`.
            while Int(offsets[row &+ 1]) <= at { row &+= 1 }
            let rowEnd = Int(offsets[row &+ 1])
            if at &+ n > rowEnd {
                position = rowEnd  // no later start in this row fits the needle either
            } else if n == 1 || memcmp(heap + (at &+ 1), wanted + 1, n &- 1) == 0 {
                result[row] = 1
                position = rowEnd  // the row is decided: search on from the next one
            } else {
                position = at &+ 1
            }
        }
    }
}
