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

#endif
