/// Appends little-endian fields to a growing byte array (Formats/plaza-file-format.md §2).
struct ByteWriter {
    /// The bytes written so far.
    var bytes: [UInt8] = []

    /// The number of bytes written.
    var count: Int { bytes.count }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
    mutating func zeros(_ n: Int) { bytes.append(contentsOf: repeatElement(0, count: n)) }
    mutating func raw(_ b: UnsafeRawBufferPointer) { bytes.append(contentsOf: b) }
    mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }

    /// Writes zero bytes until the length is a multiple of `alignment`.
    mutating func pad(to alignment: Int) {
        let rest = bytes.count % alignment
        if rest != 0 { zeros(alignment - rest) }
    }

    /// Overwrites a u32 at `offset`.
    mutating func patchU32(_ v: UInt32, at offset: Int) {
        withUnsafeBytes(of: v.littleEndian) { src in
            for i in 0..<4 { bytes[offset + i] = src[i] }
        }
    }
}

/// Reads little-endian fields from a byte range, throwing instead of reading past its end.
struct ByteReader {
    /// The bytes being read.
    let base: UnsafeRawPointer
    /// Their number.
    let count: Int
    /// The next byte to read.
    var position: Int = 0
    /// What to call the range in errors (`footer`, `block`).
    let what: String

    init(_ buffer: UnsafeRawBufferPointer, what: String) {
        self.base = buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 8)!
        self.count = buffer.count
        self.what = what
    }

    /// Bytes left to read.
    var remaining: Int { count - position }

    @inline(__always)
    mutating func need(_ n: Int) throws(FormatError) {
        if n < 0 || n > count - position { throw shortRead(n) }
    }

    @inline(never)
    func shortRead(_ n: Int) -> FormatError {
        corrupt("\(what) ends after \(count) bytes; a field at byte \(position) needs \(n) more")
    }

    mutating func u8() throws(FormatError) -> UInt8 {
        try need(1)
        defer { position += 1 }
        return base.load(fromByteOffset: position, as: UInt8.self)
    }

    mutating func u16() throws(FormatError) -> UInt16 {
        try need(2)
        defer { position += 2 }
        return UInt16(littleEndian: base.loadUnaligned(fromByteOffset: position, as: UInt16.self))
    }

    mutating func u32() throws(FormatError) -> UInt32 {
        try need(4)
        defer { position += 4 }
        return UInt32(littleEndian: base.loadUnaligned(fromByteOffset: position, as: UInt32.self))
    }

    mutating func u64() throws(FormatError) -> UInt64 {
        try need(8)
        defer { position += 8 }
        return UInt64(littleEndian: base.loadUnaligned(fromByteOffset: position, as: UInt64.self))
    }

    mutating func i64() throws(FormatError) -> Int64 { Int64(bitPattern: try u64()) }

    /// A u32 that must not exceed `limit`, as an Int.
    mutating func count32(max limit: Int, _ name: String) throws(FormatError) -> Int {
        let v = Int(try u32())
        if v > limit { throw corrupt("\(name) \(v) exceeds its limit \(limit) in \(what)") }
        return v
    }

    /// The next `n` bytes.
    mutating func bytes(_ n: Int) throws(FormatError) -> UnsafeRawBufferPointer {
        try need(n)
        defer { position += n }
        return UnsafeRawBufferPointer(start: base + position, count: n)
    }

    /// Skips `n` bytes that must be zero.
    mutating func zeros(_ n: Int) throws(FormatError) {
        let b = try bytes(n)
        for byte in b where byte != 0 { throw corrupt("reserved bytes in \(what) are not zero") }
    }
}
