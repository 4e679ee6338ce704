import Dispatch

/// UTF-8 validation and Windows-1252 → UTF-8 transcoding on raw bytes.
enum TextEncoding {
    /// The offset of the first byte that starts an invalid UTF-8 sequence, or nil if all is valid.
    ///
    /// Runs on `threads` threads over pieces split before a non-continuation byte, so a valid
    /// sequence never straddles two pieces; the earliest failing piece gives the answer.
    static func firstInvalidUTF8(_ bytes: UnsafeRawBufferPointer, threads: Int) -> Int? {
        let count = bytes.count
        let pieces = count < 1 << 20 ? 1 : max(1, threads)
        var bounds = [0]
        for piece in 1..<max(pieces, 1) {
            var cut = max(count * piece / pieces, bounds.last!)
            while cut < count && cut - count * piece / pieces < 4 && bytes[cut] & 0xC0 == 0x80 { cut += 1 }
            bounds.append(cut)
        }
        bounds.append(count)
        let cuts = bounds
        let results = LockedBox([Int?](repeating: nil, count: pieces))
        let shared = UncheckedSendable(bytes)
        DispatchQueue.concurrentPerform(iterations: pieces) { piece in
            let found = firstInvalidUTF8(shared.value, from: cuts[piece], to: cuts[piece + 1])
            results.withLock { $0[piece] = found }
        }
        return results.withLock { $0.compactMap { $0 }.min() }
    }

    /// The first invalid sequence start in `bytes[from..<to]`, or nil.
    static func firstInvalidUTF8(_ bytes: UnsafeRawBufferPointer, from: Int, to end: Int) -> Int? {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        var i = from
        while i < end {
            // ASCII fast path, eight bytes at a time, then straight to the first non-ASCII byte.
            while i + 8 <= end {
                let word = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
                let high = word & 0x8080_8080_8080_8080
                if high != 0 {
                    i &+= high.trailingZeroBitCount &>> 3
                    break
                }
                i &+= 8
            }
            guard i < end else { break }
            let lead = base[i]
            if lead < 0x80 {
                i &+= 1
                continue
            }
            // Two-byte sequences (accents, ñ) are the common case in Spanish text.
            if lead >= 0xC2 && lead <= 0xDF && i + 1 < end && base[i + 1] & 0xC0 == 0x80 {
                i &+= 2
                continue
            }
            var need = 0
            var low: UInt8 = 0x80, high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; low = 0xA0
            case 0xE1...0xEC, 0xEE, 0xEF: need = 2
            case 0xED: need = 2; high = 0x9F
            case 0xF0: need = 3; low = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; high = 0x8F
            default: return i
            }
            guard i + need < end else { return i }
            let second = base[i + 1]
            if second < low || second > high { return i }
            for k in 2..<(need + 1) where base[i + k] & 0xC0 != 0x80 { return i }
            i &+= need + 1
        }
        return nil
    }

    /// Unicode scalars of Windows-1252 bytes 0x80–0x9F (the five unassigned bytes map to C1 controls, as Latin-1).
    static let cp1252High: [UInt32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D,
        0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D,
        0x017E, 0x0178,
    ]

    /// The Unicode scalar of one Windows-1252 byte.
    @inline(__always)
    static func scalar(ofWindows1252 byte: UInt8) -> UInt32 {
        byte >= 0x80 && byte < 0xA0 ? cp1252High[Int(byte &- 0x80)] : UInt32(byte)
    }

    /// `bytes` read as Windows-1252 and written as UTF-8 into a new buffer.
    static func transcodeWindows1252(_ bytes: UnsafeRawBufferPointer) -> OwnedBytes {
        var size = 0
        for byte in bytes { size &+= utf8Width(scalar(ofWindows1252: byte)) }
        let out = OwnedBytes(count: size)
        var o = 0
        for byte in bytes {
            let s = scalar(ofWindows1252: byte)
            if s < 0x80 {
                out.bytes[o] = UInt8(s)
                o &+= 1
            } else if s < 0x800 {
                out.bytes[o] = UInt8(0xC0 | (s >> 6))
                out.bytes[o + 1] = UInt8(0x80 | (s & 0x3F))
                o &+= 2
            } else {
                out.bytes[o] = UInt8(0xE0 | (s >> 12))
                out.bytes[o + 1] = UInt8(0x80 | ((s >> 6) & 0x3F))
                out.bytes[o + 2] = UInt8(0x80 | (s & 0x3F))
                o &+= 3
            }
        }
        precondition(o == size, "transcoded size mismatch")
        return out
    }

    @inline(__always)
    private static func utf8Width(_ s: UInt32) -> Int { s < 0x80 ? 1 : s < 0x800 ? 2 : 3 }

    /// The 1-based line holding byte `offset`.
    static func lineNumber(of offset: Int, in bytes: UnsafeRawBufferPointer) -> Int {
        var line = 1
        for byte in bytes[0..<min(offset, bytes.count)] where byte == UInt8(ascii: "\n") { line += 1 }
        return line
    }
}
