#include "CPlazaKernels.h"
#include "CPUFeatures.h"

// A join's range filter: key k may be in the build side when (k - base) <= span (unsigned) and bit
// (k - base) >> shift of `words` is set. Out-of-range keys read the bit of position span, which
// exists, and the range test clears it.

static inline uint64_t passes(int64_t key, int64_t base, uint64_t span, unsigned shift, const uint64_t *words) {
    uint64_t offset = (uint64_t)key - (uint64_t)base;
    uint64_t in_range = offset <= span;
    uint64_t bit = (offset < span ? offset : span) >> shift;
    return in_range & (words[bit >> 6] >> (bit & 63));
}

#define SCALAR_BODY(KEY_TYPE)                                                                   \
    size_t word_count = (count + 63) / 64;                                                      \
    for (size_t w = 0; w < word_count; w++) {                                                   \
        if (mask[w] == 0) continue;                                                             \
        const KEY_TYPE *k = keys + w * 64;                                                      \
        size_t end = count - w * 64 < 64 ? count - w * 64 : 64;                                 \
        uint64_t bits = 0;                                                                      \
        for (size_t j = 0; j < end; j++) bits |= (passes((int64_t)k[j], base, span, shift, words) & 1) << j; \
        mask[w] &= bits;                                                                        \
    }

static void range_filter_i64_scalar(const int64_t *keys, size_t count, int64_t base, uint64_t span, unsigned shift,
                                    const uint64_t *words, uint64_t *mask) {
    SCALAR_BODY(int64_t)
}

static void range_filter_i32_scalar(const int32_t *keys, size_t count, int64_t base, uint64_t span, unsigned shift,
                                    const uint64_t *words, uint64_t *mask) {
    SCALAR_BODY(int32_t)
}

#if defined(__x86_64__)
#include <immintrin.h>

// AVX2: four keys per step, the filter words fetched by one gather (the scalar loop waited on each
// load in turn). The lanes' results become bits through their sign bits and one movemask.
__attribute__((target("avx2"))) static inline uint64_t four(
    __m256i k, __m256i bases, __m256i sign, __m256i limit, __m256i spans, __m128i shift, const uint64_t *words) {
    __m256i offset = _mm256_sub_epi64(k, bases);
    __m256i over = _mm256_cmpgt_epi64(_mm256_xor_si256(offset, sign), limit);
    __m256i bit = _mm256_srl_epi64(_mm256_blendv_epi8(offset, spans, over), shift);
    __m256i word = _mm256_i64gather_epi64((const long long *)words, _mm256_srli_epi64(bit, 6), 8);
    __m256i set = _mm256_slli_epi64(_mm256_srlv_epi64(word, _mm256_and_si256(bit, _mm256_set1_epi64x(63))), 63);
    return (uint64_t)(uint32_t)_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_andnot_si256(over, set)));
}

// The word loop of both key widths; LOAD(k) gives the four keys at `k` as 64-bit lanes.
#define AVX2_BODY(KEY_TYPE, LOAD, SCALAR)                                                        \
    const __m256i bases = _mm256_set1_epi64x(base), sign = _mm256_set1_epi64x((int64_t)0x8000000000000000ull); \
    const __m256i limit = _mm256_set1_epi64x((int64_t)(span ^ 0x8000000000000000ull));          \
    const __m256i spans = _mm256_set1_epi64x((int64_t)span);                                   \
    const __m128i shifts = _mm_cvtsi32_si128((int)shift);                                      \
    size_t full = count / 64;                                                                  \
    for (size_t w = 0; w < full; w++) {                                                        \
        if (mask[w] == 0) continue;                                                            \
        const KEY_TYPE *k = keys + w * 64;                                                     \
        uint64_t bits = 0;                                                                     \
        for (int q = 0; q < 16; q++) {                                                         \
            bits |= four(LOAD(k + q * 4), bases, sign, limit, spans, shifts, words) << (q * 4); \
        }                                                                                      \
        mask[w] &= bits;                                                                       \
    }                                                                                          \
    if (count % 64 != 0) SCALAR(keys + full * 64, count % 64, base, span, shift, words, mask + full);

#define LOAD_I64(p) _mm256_loadu_si256((const __m256i *)(p))
#define LOAD_I32(p) _mm256_cvtepi32_epi64(_mm_loadu_si128((const __m128i *)(p)))

__attribute__((target("avx2"))) static void range_filter_i64_avx2(
    const int64_t *keys, size_t count, int64_t base, uint64_t span, unsigned shift, const uint64_t *words,
    uint64_t *mask) {
    AVX2_BODY(int64_t, LOAD_I64, range_filter_i64_scalar)
}

__attribute__((target("avx2"))) static void range_filter_i32_avx2(
    const int32_t *keys, size_t count, int64_t base, uint64_t span, unsigned shift, const uint64_t *words,
    uint64_t *mask) {
    AVX2_BODY(int32_t, LOAD_I32, range_filter_i32_scalar)
}

#endif

void plaza_and_range_filter_i64(
    const int64_t *keys, size_t count, int64_t base, uint64_t span, unsigned shift, const uint64_t *words,
    uint64_t *mask, int portable) {
#if defined(__x86_64__)
    if (!portable && plaza_cpu_has_avx2()) {
        range_filter_i64_avx2(keys, count, base, span, shift, words, mask);
        return;
    }
#endif
    range_filter_i64_scalar(keys, count, base, span, shift, words, mask);
}

void plaza_and_range_filter_i32(
    const int32_t *keys, size_t count, int64_t base, uint64_t span, unsigned shift, const uint64_t *words,
    uint64_t *mask, int portable) {
#if defined(__x86_64__)
    if (!portable && plaza_cpu_has_avx2()) {
        range_filter_i32_avx2(keys, count, base, span, shift, words, mask);
        return;
    }
#endif
    range_filter_i32_scalar(keys, count, base, span, shift, words, mask);
}
