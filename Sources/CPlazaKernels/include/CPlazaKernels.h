#ifndef C_PLAZA_KERNELS_H
#define C_PLAZA_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Tests 4-bit dictionary codes without unpacking them: `packed` holds `groups` groups of 64
/// codes, 32 bytes each, code j of a group at bits 4j..4j+3 (LSB first, Formats §7.1). For each
/// group g whose `mask[g]` is not zero, clears the bits of the rows whose code c has
/// `table[c] == 0` (`table` has 16 entries). Returns 1 when some code c of any row has
/// `invalid[c] != 0` (a code beyond the dictionary), else 0.
int plaza_and_nibble_codes(
    const uint8_t *packed, size_t groups, const uint8_t *table, const uint8_t *invalid, uint64_t *mask);

/// For each 64-row word w of `mask` (rows 0 ..< `count` of `values`) that is not zero, clears the
/// bits of the rows whose value v is not in [low, low + span] (`(uint32_t)(v - low) <= span`);
/// with `invert` not 0, those in it instead. Bits past `count` in the last word are cleared.
void plaza_and_range_i32(const int32_t *values, size_t count, int32_t low, uint32_t span, int invert, uint64_t *mask);

/// `plaza_and_range_i32` for 64-bit values.
void plaza_and_range_i64(const int64_t *values, size_t count, int64_t low, uint64_t span, int invert, uint64_t *mask);

/// The portable loops of `plaza_and_range_i32` and `_i64` (the fallback; for tests on CPUs with AVX2).
void plaza_and_range_i32_portable(
    const int32_t *values, size_t count, int32_t low, uint32_t span, int invert, uint64_t *mask);
void plaza_and_range_i64_portable(
    const int64_t *values, size_t count, int64_t low, uint64_t span, int invert, uint64_t *mask);

/// Writes the positions of the set bits of `words` (bit i of word w is row 64w + i) in ascending
/// order into `out` and returns how many; `out` needs room for 8 positions past the last one.
size_t plaza_write_positions(const uint64_t *words, size_t word_count, int32_t *out);

/// `plaza_write_positions` without POPCNT/TZCNT (the fallback; for tests on CPUs that have them).
size_t plaza_write_positions_portable(const uint64_t *words, size_t word_count, int32_t *out);

/// The number of set bits of `words`.
size_t plaza_popcount(const uint64_t *words, size_t word_count);

/// The number of bits set in both `a` and `b` (a table's live rows that are not NULL).
size_t plaza_popcount_and(const uint64_t *a, const uint64_t *b, size_t word_count);

/// The CRC-32C of `count` bytes continuing from `crc` (pass 0xFFFFFFFF first and xor the result
/// with it): SSE4.2's crc32 instruction where the CPU has it.
uint32_t plaza_crc32c(const uint8_t *bytes, size_t count, uint32_t crc);

/// `plaza_crc32c` by table, without SSE4.2 (the fallback; for tests on CPUs that have it).
uint32_t plaza_crc32c_portable(const uint8_t *bytes, size_t count, uint32_t crc);

/// A join's range filter over 64-bit keys: for each 64-row word of `mask` (rows 0 ..< `count`)
/// not zero, clears the bits of rows whose key k has (k - base) > span (unsigned) or bit
/// (k - base) >> shift of `words` clear. `words` must hold bit span >> shift. `portable` not 0
/// runs the portable loop (for tests on CPUs with AVX2).
void plaza_and_range_filter_i64(
    const int64_t *keys, size_t count, int64_t base, uint64_t span, unsigned shift, const uint64_t *words,
    uint64_t *mask, int portable);

/// `plaza_and_range_filter_i64` over 32-bit keys (sign-extended).
void plaza_and_range_filter_i32(
    const int32_t *keys, size_t count, int64_t base, uint64_t span, unsigned shift, const uint64_t *words,
    uint64_t *mask, int portable);

/// Unpacks `groups` groups of 64 bit-packed values of `width` bits (Formats §7.1) from `src` into
/// `dst` (room for 64 per group), each plus `reference` (wrapping). Returns 1 when done; 0 (nothing
/// written) when this CPU or width has no vector loop here: widths 1...16 have one on AVX2.
int plaza_unpack_u32(const void *src, size_t groups, unsigned width, uint32_t reference, uint32_t *dst);

/// `plaza_unpack_u32` into 64-bit values: widths 1...32 on AVX2.
int plaza_unpack_u64(const void *src, size_t groups, unsigned width, uint64_t reference, uint64_t *dst);

#endif
