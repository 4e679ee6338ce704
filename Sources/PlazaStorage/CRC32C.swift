import CPlazaKernels

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of manifests
/// (Formats/plaza-manifest.md §3) and of deletion files, which hold a bitmap of every row group
/// of a segment (a megabyte for 10M rows): SSE4.2's crc32 instruction where the CPU has it, as
/// opening a table with deleted rows checked them at 230 MB/s a byte at a time.
enum ManifestCRC32C {
    /// The checksum of `bytes` (initial value and final xor 0xFFFFFFFF, as iSCSI and ext4 use it).
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress else { return 0 }
        return plaza_crc32c(base.assumingMemoryBound(to: UInt8.self), bytes.count, 0xFFFF_FFFF) ^ 0xFFFF_FFFF
    }

    /// `checksum` by table, without the instruction (tests compare the two).
    static func portableChecksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress else { return 0 }
        return plaza_crc32c_portable(base.assumingMemoryBound(to: UInt8.self), bytes.count, 0xFFFF_FFFF) ^ 0xFFFF_FFFF
    }
}
