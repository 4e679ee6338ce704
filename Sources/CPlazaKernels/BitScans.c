#include "CPlazaKernels.h"
#include "CPUFeatures.h"

// Swift's `nonzeroBitCount` compiles to a dozen-instruction bit trick on baseline x86-64 (no
// POPCNT without compiler flags); these loops use the instruction where the CPU has it.

// For each byte, the positions of its set bits, then zeros (a store of eight keeps as many).
static int32_t byte_positions[256][8];

__attribute__((constructor)) static void fill_byte_positions(void) {
    for (int byte = 0; byte < 256; byte++) {
        int k = 0;
        for (int bit = 0; bit < 8; bit++) {
            if (byte & (1 << bit)) byte_positions[byte][k++] = bit;
        }
        for (; k < 8; k++) byte_positions[byte][k] = 0;
    }
}

// The loops, compiled once per instruction set by the including function's target.
#define WRITE_POSITIONS_BODY                                                                  \
    size_t n = 0;                                                                             \
    for (size_t w = 0; w < word_count; w++) {                                                 \
        uint64_t bits = words[w];                                                             \
        if (__builtin_popcountll(bits) >= 16) {                                               \
            /* Many bits: a byte at a time from the table, no branch per row. */              \
            for (int b = 0; b < 8; b++) {                                                     \
                unsigned byte = (unsigned)(bits >> (b * 8)) & 0xFF;                           \
                int32_t base = (int32_t)(w * 64 + b * 8);                                     \
                const int32_t *p = byte_positions[byte];                                      \
                for (int k = 0; k < 8; k++) out[n + k] = p[k] + base;                         \
                n += __builtin_popcount(byte);                                                \
            }                                                                                 \
        } else {                                                                              \
            /* Four bits per round, without a branch per bit (a loop per bit mispredicted its \
               exit about once a word); a round writes at most 3 positions past the count. */  \
            int32_t base = (int32_t)(w * 64);                                                 \
            while (bits != 0) {                                                               \
                for (int k = 0; k < 4; k++) {                                                 \
                    out[n] = base + TRAILING_ZEROS(bits);                                     \
                    n += bits != 0;                                                           \
                    bits &= bits - 1;                                                         \
                }                                                                             \
            }                                                                                 \
        }                                                                                     \
    }                                                                                         \
    return n;

#define POPCOUNT_BODY                                                                         \
    size_t n = 0;                                                                             \
    for (size_t w = 0; w < word_count; w++) n += (size_t)__builtin_popcountll(words[w]);      \
    return n;

#define POPCOUNT_AND_BODY                                                                     \
    size_t n = 0;                                                                             \
    for (size_t w = 0; w < word_count; w++) n += (size_t)__builtin_popcountll(a[w] & b[w]);   \
    return n;

// Any value for a word of 0 (its position is not counted), without undefined behaviour.
#define TRAILING_ZEROS(bits) ((bits) != 0 ? __builtin_ctzll(bits) : 0)

static size_t write_positions_default(const uint64_t *words, size_t word_count, int32_t *out) {
    WRITE_POSITIONS_BODY
}

static size_t popcount_default(const uint64_t *words, size_t word_count) { POPCOUNT_BODY }

static size_t popcount_and_default(const uint64_t *a, const uint64_t *b, size_t word_count) {
    POPCOUNT_AND_BODY
}

#if defined(__x86_64__)
#include <immintrin.h>
#undef TRAILING_ZEROS
// TZCNT gives 64 for a word of 0: no test needed.
#define TRAILING_ZEROS(bits) ((int32_t)_tzcnt_u64(bits))

__attribute__((target("popcnt,bmi"))) static size_t write_positions_popcnt(
    const uint64_t *words, size_t word_count, int32_t *out) {
    WRITE_POSITIONS_BODY
}

__attribute__((target("popcnt"))) static size_t popcount_popcnt(const uint64_t *words, size_t word_count) {
    POPCOUNT_BODY
}

__attribute__((target("popcnt"))) static size_t popcount_and_popcnt(
    const uint64_t *a, const uint64_t *b, size_t word_count) {
    POPCOUNT_AND_BODY
}

#endif

size_t plaza_write_positions_portable(const uint64_t *words, size_t word_count, int32_t *out) {
    return write_positions_default(words, word_count, out);
}

size_t plaza_write_positions(const uint64_t *words, size_t word_count, int32_t *out) {
#if defined(__x86_64__)
    if (plaza_cpu_has_popcnt_bmi()) return write_positions_popcnt(words, word_count, out);
#endif
    return write_positions_default(words, word_count, out);
}

size_t plaza_popcount(const uint64_t *words, size_t word_count) {
#if defined(__x86_64__)
    if (plaza_cpu_has_popcnt_bmi()) return popcount_popcnt(words, word_count);
#endif
    return popcount_default(words, word_count);
}

size_t plaza_popcount_and(const uint64_t *a, const uint64_t *b, size_t word_count) {
#if defined(__x86_64__)
    if (plaza_cpu_has_popcnt_bmi()) return popcount_and_popcnt(a, b, word_count);
#endif
    return popcount_and_default(a, b, word_count);
}
