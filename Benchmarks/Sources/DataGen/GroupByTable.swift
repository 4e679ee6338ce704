/// The table of the db-benchmark "groupby" questions (the H2O.ai benchmark), written from its
/// published description: N rows; text keys `id1`, `id2` of K values ("id001" …), `id3` of N/K
/// values ("id0000000001" …); integer keys `id4`, `id5` of K values and `id6` of N/K values (all
/// from 1); values `v1` in 1…5, `v2` in 1…15 and `v3` uniform in [0, 100) with six decimals.
///
/// Every column is drawn uniformly and independently; a chunk's rows come from a generator seeded
/// by the chunk number, so the bytes depend only on N, K and the seed, not on the thread count.
struct GroupByTable {
    /// The CSV header line.
    static let header = "id1,id2,id3,id4,id5,id6,v1,v2,v3\n"

    /// The number of rows.
    let rows: Int
    /// The cardinality of the small keys (`id1`, `id2`, `id4`, `id5`).
    let k: Int
    /// The seed every chunk's generator derives from.
    let seed: UInt64

    /// The cardinality of the large keys (`id3`, `id6`): N/K, at least 1.
    var largeCardinality: Int { max(1, rows / k) }

    /// Appends rows `range` (chunk number `chunk`) as CSV lines.
    func write(range: Range<Int>, chunk: Int, into out: inout ByteWriter) {
        // SplitMix64 steps its state by a constant, so this is the chunk-th output of one stream.
        var mixer = SplitMix64(state: (seed ^ 0x6772_6F75_7062_7900) &+ UInt64(chunk) &* 0x9E37_79B9_7F4A_7C15)
        var random = Xoshiro256(seed: mixer.next())
        let small = k, large = largeCardinality
        let idPrefix: [UInt8] = Array("id".utf8)
        for _ in range {
            out.raw(idPrefix)
            out.padded(1 + random.below(small), width: 3)
            out.comma()
            out.raw(idPrefix)
            out.padded(1 + random.below(small), width: 3)
            out.comma()
            out.raw(idPrefix)
            out.padded(1 + random.below(large), width: 10)
            out.comma()
            out.int(1 + random.below(small))
            out.comma()
            out.int(1 + random.below(small))
            out.comma()
            out.int(1 + random.below(large))
            out.comma()
            out.int(1 + random.below(5))
            out.comma()
            out.int(1 + random.below(15))
            out.comma()
            out.fixed(random.below(100_000_000), scale: 6)
            out.newline()
        }
    }
}
