#include "CPlazaKernels.h"
#include "CPUFeatures.h"

// A row passes when its value lies in [low, low + span]: one unsigned comparison of value - low
// (wrapping), so every operator against a constant (and BETWEEN) is this one loop, `!=` inverted.

// Few rows left in a word (an earlier test was selective): test just those.
#define SPARSE_ROWS 8

// The portable loops of both widths: UT is the unsigned type of T.
#define PORTABLE(NAME, T, UT)                                                                   \
    static inline uint64_t sparse_##NAME(const T *v, uint64_t left, T low, UT span, uint64_t flip) { \
        uint64_t bits = 0;                                                                      \
        while (left != 0) {                                                                     \
            int j = __builtin_ctzll(left);                                                      \
            uint64_t pass = ((UT)v[j] - (UT)low) <= span;                                       \
            bits |= (pass ^ (flip & 1)) << j;                                                   \
            left &= left - 1;                                                                   \
        }                                                                                       \
        return bits;                                                                            \
    }                                                                                           \
    static void and_range_##NAME##_scalar(                                                      \
        const T *values, size_t count, T low, UT span, uint64_t flip, uint64_t *mask) {         \
        size_t words = (count + 63) / 64;                                                       \
        for (size_t w = 0; w < words; w++) {                                                    \
            if (mask[w] == 0) continue;                                                         \
            const T *v = values + w * 64;                                                       \
            size_t end = count - w * 64 < 64 ? count - w * 64 : 64;                             \
            uint64_t bits = 0;                                                                  \
            if (end == 64 && __builtin_popcountll(mask[w]) <= SPARSE_ROWS) {                    \
                bits = sparse_##NAME(v, mask[w], low, span, flip);                              \
            } else {                                                                            \
                for (size_t j = 0; j < end; j++) bits |= (uint64_t)(((UT)v[j] - (UT)low) <= span) << j; \
                if (flip) bits = ~bits & (end == 64 ? ~0ULL : (1ULL << end) - 1);               \
            }                                                                                   \
            mask[w] &= bits;                                                                    \
        }                                                                                       \
    }

PORTABLE(i32, int32_t, uint32_t)
PORTABLE(i64, int64_t, uint64_t)

#if defined(__x86_64__)
#include <immintrin.h>

// AVX2: eight 32-bit or four 64-bit rows per comparison. Unsigned `d <= span` is signed
// `(d ^ sign) <= (span ^ sign)`, and the comparison's lanes become bits by one movemask. Every
// word not yet zero is tested whole: a word costs less than the mispredicted exits of a loop over
// its few rows left (which cost Q6 more than the table lookups this replaced).
__attribute__((target("avx2"))) static void and_range_i32_avx2(
    const int32_t *values, size_t count, int32_t low, uint32_t span, uint64_t flip, uint64_t *mask) {
    const __m256i lows = _mm256_set1_epi32(low);
    const __m256i sign = _mm256_set1_epi32((int32_t)0x80000000u);
    const __m256i limit = _mm256_set1_epi32((int32_t)(span ^ 0x80000000u));
    size_t full = count / 64;
    for (size_t w = 0; w < full; w++) {
        uint64_t m = mask[w];
        if (m == 0) continue;
        const int32_t *v = values + w * 64;
        uint64_t over = 0;  // rows past the range
        for (int k = 0; k < 8; k++) {
            __m256i x = _mm256_loadu_si256((const __m256i *)(v + k * 8));
            __m256i d = _mm256_xor_si256(_mm256_sub_epi32(x, lows), sign);
            __m256i gt = _mm256_cmpgt_epi32(d, limit);
            over |= (uint64_t)(uint32_t)_mm256_movemask_ps(_mm256_castsi256_ps(gt)) << (k * 8);
        }
        mask[w] = m & (flip ? over : ~over);
    }
    if (count % 64 != 0) and_range_i32_scalar(values + full * 64, count % 64, low, span, flip, mask + full);
}

__attribute__((target("avx2"))) static void and_range_i64_avx2(
    const int64_t *values, size_t count, int64_t low, uint64_t span, uint64_t flip, uint64_t *mask) {
    const __m256i lows = _mm256_set1_epi64x(low);
    const __m256i sign = _mm256_set1_epi64x((int64_t)0x8000000000000000ull);
    const __m256i limit = _mm256_set1_epi64x((int64_t)(span ^ 0x8000000000000000ull));
    size_t full = count / 64;
    for (size_t w = 0; w < full; w++) {
        uint64_t m = mask[w];
        if (m == 0) continue;
        const int64_t *v = values + w * 64;
        uint64_t over = 0;
        for (int k = 0; k < 16; k++) {
            __m256i x = _mm256_loadu_si256((const __m256i *)(v + k * 4));
            __m256i d = _mm256_xor_si256(_mm256_sub_epi64(x, lows), sign);
            __m256i gt = _mm256_cmpgt_epi64(d, limit);
            over |= (uint64_t)(uint32_t)_mm256_movemask_pd(_mm256_castsi256_pd(gt)) << (k * 4);
        }
        mask[w] = m & (flip ? over : ~over);
    }
    if (count % 64 != 0) and_range_i64_scalar(values + full * 64, count % 64, low, span, flip, mask + full);
}

#endif

void plaza_and_range_i32_portable(
    const int32_t *values, size_t count, int32_t low, uint32_t span, int invert, uint64_t *mask) {
    and_range_i32_scalar(values, count, low, span, invert ? 1 : 0, mask);
}

void plaza_and_range_i64_portable(
    const int64_t *values, size_t count, int64_t low, uint64_t span, int invert, uint64_t *mask) {
    and_range_i64_scalar(values, count, low, span, invert ? 1 : 0, mask);
}

void plaza_and_range_i32(
    const int32_t *values, size_t count, int32_t low, uint32_t span, int invert, uint64_t *mask) {
    uint64_t flip = invert ? 1 : 0;
#if defined(__x86_64__)
    if (plaza_cpu_has_avx2()) {
        and_range_i32_avx2(values, count, low, span, flip, mask);
        return;
    }
#endif
    and_range_i32_scalar(values, count, low, span, flip, mask);
}

void plaza_and_range_i64(
    const int64_t *values, size_t count, int64_t low, uint64_t span, int invert, uint64_t *mask) {
    uint64_t flip = invert ? 1 : 0;
#if defined(__x86_64__)
    if (plaza_cpu_has_avx2()) {
        and_range_i64_avx2(values, count, low, span, flip, mask);
        return;
    }
#endif
    and_range_i64_scalar(values, count, low, span, flip, mask);
}
