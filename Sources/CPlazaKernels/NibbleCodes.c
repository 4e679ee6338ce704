#include "CPlazaKernels.h"
#include "CPUFeatures.h"

// Portable version: one code at a time.
static int and_nibble_codes_scalar(
    const uint8_t *packed, size_t groups, const uint8_t *table, const uint8_t *invalid, uint64_t *mask) {
    uint8_t bad = 0;
    for (size_t g = 0; g < groups; g++) {
        const uint8_t *p = packed + g * 32;
        uint64_t bits = 0;
        for (int j = 0; j < 64; j++) {
            uint8_t code = (uint8_t)((p[j >> 1] >> ((j & 1) * 4)) & 0x0F);
            bad |= invalid[code];
            bits |= (uint64_t)(table[code] != 0) << j;
        }
        mask[g] &= bits;
    }
    return bad != 0;
}

#if defined(__x86_64__)
#include <immintrin.h>

// SSSE3: a shuffle looks up 16 codes at once. The low nibbles of 16 bytes are the even rows of
// 32, the high nibbles the odd ones; interleaving the two lookups' bytes puts rows in order, and
// the byte signs (0x80 for a match) become one bit per row.
__attribute__((target("ssse3"))) static int and_nibble_codes_ssse3(
    const uint8_t *packed, size_t groups, const uint8_t *table, const uint8_t *invalid, uint64_t *mask) {
    uint8_t t[16], v[16];
    for (int c = 0; c < 16; c++) {
        t[c] = table[c] != 0 ? 0x80 : 0;
        v[c] = invalid[c] != 0 ? 0x80 : 0;
    }
    const __m128i matches = _mm_loadu_si128((const __m128i *)t);
    const __m128i invalids = _mm_loadu_si128((const __m128i *)v);
    const __m128i low = _mm_set1_epi8(0x0F);
    __m128i bad = _mm_setzero_si128();
    for (size_t g = 0; g < groups; g++) {
        const uint8_t *p = packed + g * 32;
        __m128i b0 = _mm_loadu_si128((const __m128i *)p);
        __m128i b1 = _mm_loadu_si128((const __m128i *)(p + 16));
        __m128i even0 = _mm_and_si128(b0, low), odd0 = _mm_and_si128(_mm_srli_epi16(b0, 4), low);
        __m128i even1 = _mm_and_si128(b1, low), odd1 = _mm_and_si128(_mm_srli_epi16(b1, 4), low);
        // Every row's code is checked, selected or not, as decoding the block would.
        bad = _mm_or_si128(bad, _mm_or_si128(
            _mm_or_si128(_mm_shuffle_epi8(invalids, even0), _mm_shuffle_epi8(invalids, odd0)),
            _mm_or_si128(_mm_shuffle_epi8(invalids, even1), _mm_shuffle_epi8(invalids, odd1))));
        if (mask[g] == 0) continue;
        __m128i e0 = _mm_shuffle_epi8(matches, even0), o0 = _mm_shuffle_epi8(matches, odd0);
        __m128i e1 = _mm_shuffle_epi8(matches, even1), o1 = _mm_shuffle_epi8(matches, odd1);
        uint64_t r0 = (uint16_t)_mm_movemask_epi8(_mm_unpacklo_epi8(e0, o0));
        uint64_t r1 = (uint16_t)_mm_movemask_epi8(_mm_unpackhi_epi8(e0, o0));
        uint64_t r2 = (uint16_t)_mm_movemask_epi8(_mm_unpacklo_epi8(e1, o1));
        uint64_t r3 = (uint16_t)_mm_movemask_epi8(_mm_unpackhi_epi8(e1, o1));
        mask[g] &= r0 | (r1 << 16) | (r2 << 32) | (r3 << 48);
    }
    return _mm_movemask_epi8(bad) != 0;
}
#endif

int plaza_and_nibble_codes(
    const uint8_t *packed, size_t groups, const uint8_t *table, const uint8_t *invalid, uint64_t *mask) {
#if defined(__x86_64__)
    if (plaza_cpu_has_ssse3()) return and_nibble_codes_ssse3(packed, groups, table, invalid, mask);
#endif
    return and_nibble_codes_scalar(packed, groups, table, invalid, mask);
}
