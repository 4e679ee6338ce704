#include "CPlazaKernels.h"
#include "CPUFeatures.h"

#include <string.h>

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of manifests and
// deletion files. SSE4.2's crc32 instruction folds eight bytes a step; a byte table otherwise.

static uint32_t crc32c_table[256];

__attribute__((constructor)) static void fill_crc32c_table(void) {
    for (uint32_t index = 0; index < 256; index++) {
        uint32_t crc = index;
        for (int bit = 0; bit < 8; bit++) crc = (crc & 1) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
        crc32c_table[index] = crc;
    }
}

uint32_t plaza_crc32c_portable(const uint8_t *bytes, size_t count, uint32_t crc) {
    for (size_t i = 0; i < count; i++) crc = crc32c_table[(crc ^ bytes[i]) & 0xFF] ^ (crc >> 8);
    return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(const uint8_t *bytes, size_t count, uint32_t crc) {
    uint64_t wide = crc;
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        uint64_t word;
        memcpy(&word, bytes + i, 8);  // unaligned load
        wide = __builtin_ia32_crc32di(wide, word);
    }
    uint32_t narrow = (uint32_t)wide;
    for (; i < count; i++) narrow = __builtin_ia32_crc32qi(narrow, bytes[i]);
    return narrow;
}
#endif

uint32_t plaza_crc32c(const uint8_t *bytes, size_t count, uint32_t crc) {
#if defined(__x86_64__)
    if (plaza_cpu_has_sse42()) return crc32c_sse42(bytes, count, crc);
#endif
    return plaza_crc32c_portable(bytes, count, crc);
}
