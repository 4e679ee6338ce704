#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Cuts a CSV body into chunks that start at record boundaries, so each can be parsed alone.
///
/// One sequential pass hops from quote to quote with `memchr`, tracking whether it is inside
/// a quoted field with exactly `RecordScanner`'s rule (a quote opens a field only as its first
/// byte), and cuts at the first line feed outside quotes after every `chunkSize` bytes.
enum ChunkSplitter {
    /// Chunk start offsets in `start..<end`, the first being `start`; chunk `i` runs to start `i+1` (or `end`).
    static func split(
        _ base: UnsafePointer<UInt8>, start: Int, end: Int, delimiter: UInt8, chunkSize: Int
    ) -> [Int] {
        var starts = [start]
        var target = start + chunkSize
        var position = start
        // The next quote at or after `position`, remembered so a file without quotes is searched once.
        var nextQuote = -1
        while target < end && position < end {
            // Unquoted at `position`: the next quote bounds the region where a cut is safe.
            if nextQuote < position { nextQuote = find(ASCII.quote, base, from: position, to: end) ?? end }
            let quote = nextQuote
            if quote > target {
                if let lineFeed = find(ASCII.lineFeed, base, from: max(position, target), to: quote) {
                    starts.append(lineFeed + 1)
                    position = lineFeed + 1
                    target = position + chunkSize
                    continue
                }
            }
            if quote >= end { break }
            let opensField = quote == start || base[quote - 1] == delimiter || base[quote - 1] == ASCII.lineFeed
            position = quote + 1
            guard opensField else { continue }
            // Inside quotes: find the closing quote, stepping over doubled ones.
            var closed = false
            while let next = find(ASCII.quote, base, from: position, to: end) {
                if next + 1 < end && base[next + 1] == ASCII.quote {
                    position = next + 2
                    continue
                }
                position = next + 1
                closed = true
                break
            }
            if !closed { break }
        }
        if let last = starts.last, last >= end, starts.count > 1 { starts.removeLast() }
        return starts
    }

    /// Chunk starts cut at the first line feed after every `chunkSize` bytes, ignoring quotes.
    ///
    /// Right unless a cut falls inside a quoted field; the chunk before such a cut then ends in
    /// an unterminated quote, which `CSVFile.inferSchema` detects before trusting the guess.
    static func guess(_ base: UnsafePointer<UInt8>, start: Int, end: Int, chunkSize: Int) -> [Int] {
        var starts = [start]
        var target = start + chunkSize
        while target < end, let lineFeed = find(ASCII.lineFeed, base, from: target, to: end), lineFeed + 1 < end {
            starts.append(lineFeed + 1)
            target = lineFeed + 1 + chunkSize
        }
        return starts
    }

    /// The offset of the first `byte` in `base[from..<to]`, or nil.
    @inline(__always)
    static func find(_ byte: UInt8, _ base: UnsafePointer<UInt8>, from: Int, to: Int) -> Int? {
        guard from < to, let hit = memchr(base + from, Int32(byte), to - from) else { return nil }
        return UnsafeRawPointer(hit) - UnsafeRawPointer(base)
    }
}
