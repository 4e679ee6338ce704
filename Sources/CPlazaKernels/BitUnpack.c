#include "CPlazaKernels.h"
#include "CPUFeatures.h"

#include <string.h>

// Bit unpacking of the format's groups (Formats §7.1: 64 values of w bits in w little-endian words,
// value j at bit j·w). Eight consecutive values fill exactly w bytes, so every run of eight starts on
// a byte: one 16-byte load, broadcast to both halves of a 256-bit register, holds all of them, one
// byte shuffle moves each value's bytes into its lane, and one shift per lane plus a mask finish it.

#if defined(__x86_64__)
#include <immintrin.h>

// The last group is unpacked from a zero-padded copy: the 16-byte loads of its last values reach
// past its bytes, and the packed data may end there.
#define PAD_BYTES (8 * 32 + 32)

// The bytes of group g of `groups` (`stride` each): in place, or for the last one a zero-padded
// copy in `pad`.
static inline const uint8_t *group_bytes(const uint8_t *src, size_t g, size_t groups, size_t stride, uint8_t *pad) {
    const uint8_t *p = src + g * stride;
    if (g + 1 != groups) return p;
    memset(pad, 0, PAD_BYTES);
    memcpy(pad, p, stride);
    return pad;
}

// 32-bit outputs, widths 1...16: value j of a run of eight (bit j·w) lies in bytes ⌊j·w/8⌋ ..<
// ⌊j·w/8⌋ + 4 of the run, shifted by (j·w) mod 8; its last bit is below 8·w ≤ 128, so the bytes
// past the sixteenth are never needed and are zeroed.
__attribute__((target("avx2"))) static void unpack_u32_avx2(
    const uint8_t *src, size_t groups, unsigned width, uint32_t reference, uint32_t *dst) {
    uint8_t control[32];
    int32_t shifts[8];
    for (unsigned j = 0; j < 8; j++) {
        unsigned bit = j * width, byte = bit >> 3;
        shifts[j] = (int32_t)(bit & 7);
        for (unsigned i = 0; i < 4; i++) control[j * 4 + i] = byte + i < 16 ? (uint8_t)(byte + i) : 0x80;
    }
    const __m256i shuffle = _mm256_loadu_si256((const __m256i *)control);
    const __m256i shift = _mm256_loadu_si256((const __m256i *)shifts);
    const __m256i mask = _mm256_set1_epi32((int32_t)((1u << width) - 1));
    const __m256i base = _mm256_set1_epi32((int32_t)reference);
    uint8_t pad[PAD_BYTES];
    size_t stride = (size_t)width * 8;
    for (size_t g = 0; g < groups; g++) {
        const uint8_t *p = group_bytes(src, g, groups, stride, pad);
        uint32_t *out = dst + g * 64;
        for (unsigned k = 0; k < 8; k++) {
            __m256i x = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(p + k * width)));
            x = _mm256_and_si256(_mm256_srlv_epi32(_mm256_shuffle_epi8(x, shuffle), shift), mask);
            _mm256_storeu_si256((__m256i *)(out + k * 8), _mm256_add_epi32(x, base));
        }
    }
}

// 64-bit outputs, widths 1...32: a run of eight as two halves of four. Half h starts at byte
// ⌊4h·w/8⌋ of the run (bit 4 of it when w is odd); each value then lies in the half's first 16
// bytes (its last bit is below 4 + 4·w ≤ 132 only for w = 32, where the half starts on bit 0).
__attribute__((target("avx2"))) static void unpack_u64_avx2(
    const uint8_t *src, size_t groups, unsigned width, uint64_t reference, uint64_t *dst) {
    uint8_t control[2][32];
    int64_t shifts[2][4];
    unsigned offsets[2] = {0, (4 * width) >> 3};
    for (unsigned h = 0; h < 2; h++) {
        unsigned first = 4 * h * width - 8 * offsets[h];
        for (unsigned j = 0; j < 4; j++) {
            unsigned bit = first + j * width, byte = bit >> 3;
            shifts[h][j] = (int64_t)(bit & 7);
            for (unsigned i = 0; i < 8; i++) control[h][j * 8 + i] = byte + i < 16 ? (uint8_t)(byte + i) : 0x80;
        }
    }
    const __m256i shuffle0 = _mm256_loadu_si256((const __m256i *)control[0]);
    const __m256i shuffle1 = _mm256_loadu_si256((const __m256i *)control[1]);
    const __m256i shift0 = _mm256_loadu_si256((const __m256i *)shifts[0]);
    const __m256i shift1 = _mm256_loadu_si256((const __m256i *)shifts[1]);
    const __m256i mask = _mm256_set1_epi64x((int64_t)((1ull << width) - 1));
    const __m256i base = _mm256_set1_epi64x((int64_t)reference);
    uint8_t pad[PAD_BYTES];
    size_t stride = (size_t)width * 8;
    for (size_t g = 0; g < groups; g++) {
        const uint8_t *p = group_bytes(src, g, groups, stride, pad);
        uint64_t *out = dst + g * 64;
        for (unsigned k = 0; k < 8; k++) {
            const uint8_t *run = p + k * width;
            __m256i x0 = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)run));
            __m256i x1 = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(run + offsets[1])));
            x0 = _mm256_and_si256(_mm256_srlv_epi64(_mm256_shuffle_epi8(x0, shuffle0), shift0), mask);
            x1 = _mm256_and_si256(_mm256_srlv_epi64(_mm256_shuffle_epi8(x1, shuffle1), shift1), mask);
            _mm256_storeu_si256((__m256i *)(out + k * 8), _mm256_add_epi64(x0, base));
            _mm256_storeu_si256((__m256i *)(out + k * 8 + 4), _mm256_add_epi64(x1, base));
        }
    }
}
#endif

int plaza_unpack_u32(const void *src, size_t groups, unsigned width, uint32_t reference, uint32_t *dst) {
#if defined(__x86_64__)
    if (width >= 1 && width <= 16 && groups > 0 && plaza_cpu_has_avx2()) {
        unpack_u32_avx2((const uint8_t *)src, groups, width, reference, dst);
        return 1;
    }
#endif
    (void)src, (void)groups, (void)width, (void)reference, (void)dst;
    return 0;
}

int plaza_unpack_u64(const void *src, size_t groups, unsigned width, uint64_t reference, uint64_t *dst) {
#if defined(__x86_64__)
    if (width >= 1 && width <= 32 && groups > 0 && plaza_cpu_has_avx2()) {
        unpack_u64_avx2((const uint8_t *)src, groups, width, reference, dst);
        return 1;
    }
#endif
    (void)src, (void)groups, (void)width, (void)reference, (void)dst;
    return 0;
}
