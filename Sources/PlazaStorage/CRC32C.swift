/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the manifest checksum of
/// Formats/plaza-manifest.md §3. Manifests are a few hundred bytes, so a byte-wise table is enough.
enum ManifestCRC32C {
    private static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        return crc
    }

    /// The checksum of `bytes` (initial value and final xor 0xFFFFFFFF, as iSCSI and ext4 use it).
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { table in
            for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        }
        return crc ^ 0xFFFF_FFFF
    }
}
