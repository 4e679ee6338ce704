import CZlib
import PlazaCore

/// The entries of a ZIP file (an .xlsx workbook is one), read from its central directory;
/// `data(of:)` inflates one. Stored and deflated entries only; ZIP64 and encryption are refused.
///
/// Every offset and size is checked against the file before it is used, and an entry inflates
/// to at most `maximumEntrySize` bytes, so a hostile file gives an error, never a crash or
/// memory without bound.
struct ZipArchive {
    /// One file inside the archive.
    struct Entry {
        var name: String
        var method: UInt16
        var compressedSize: Int
        var size: Int
        var localHeaderOffset: Int
    }

    /// The largest entry inflated (a worksheet XML of a million rows is some hundreds of MiB).
    static let maximumEntrySize = 1 << 30

    let bytes: UnsafeRawBufferPointer
    let path: String
    private(set) var entries: [String: Entry] = [:]

    /// Reads the central directory of the ZIP file in `bytes`.
    ///
    /// - Throws: `CSVError` naming `path` when the bytes are not a ZIP file or its directory is damaged.
    init(bytes: UnsafeRawBufferPointer, path: String) throws(CSVError) {
        self.bytes = bytes
        self.path = path
        // The end-of-central-directory record: 22 bytes plus a comment of at most 65,535.
        let minimumEnd = 22
        guard bytes.count >= minimumEnd else {
            throw Self.damage(path, "too short to be a ZIP file (an .xlsx workbook)")
        }
        var end = -1
        var position = bytes.count - minimumEnd
        let lowest = Swift.max(0, bytes.count - minimumEnd - 65_535)
        while position >= lowest {
            if Self.u32(bytes, position) == 0x0605_4B50 {
                end = position
                break
            }
            position -= 1
        }
        guard end >= 0 else { throw Self.damage(path, "no ZIP directory found: not an .xlsx workbook, or truncated") }
        let count = Int(Self.u16(bytes, end + 10))
        let directorySize = Int(Self.u32(bytes, end + 12)), directoryOffset = Int(Self.u32(bytes, end + 16))
        if count == 0xFFFF || directoryOffset == 0xFFFF_FFFF {
            throw Self.damage(path, "ZIP64 archives are not supported")
        }
        guard directoryOffset + directorySize <= end else {
            throw Self.damage(path, "the ZIP directory lies outside the file")
        }
        var offset = directoryOffset
        for _ in 0..<count {
            guard offset + 46 <= end, Self.u32(bytes, offset) == 0x0201_4B50 else {
                throw Self.damage(path, "damaged ZIP directory entry at byte \(offset)")
            }
            let flags = Self.u16(bytes, offset + 8), method = Self.u16(bytes, offset + 10)
            let compressed = Int(Self.u32(bytes, offset + 20)), size = Int(Self.u32(bytes, offset + 24))
            let nameLength = Int(Self.u16(bytes, offset + 28)), extraLength = Int(Self.u16(bytes, offset + 30))
            let commentLength = Int(Self.u16(bytes, offset + 32)), local = Int(Self.u32(bytes, offset + 42))
            let next = offset + 46 + nameLength + extraLength + commentLength
            guard next <= end else { throw Self.damage(path, "damaged ZIP directory entry at byte \(offset)") }
            let name = String(
                decoding: UnsafeRawBufferPointer(rebasing: bytes[(offset + 46)..<(offset + 46 + nameLength)]),
                as: UTF8.self)
            if flags & 1 != 0 { throw Self.damage(path, "the entry \(name) is encrypted") }
            entries[name] = Entry(
                name: name, method: method, compressedSize: compressed, size: size, localHeaderOffset: local)
            offset = next
        }
    }

    /// The uncompressed bytes of entry `name`, or nil when the archive has none of that name.
    ///
    /// - Throws: `CSVError` naming the file and entry when it is damaged, of an unknown method, or too large.
    func data(of name: String) throws(CSVError) -> [UInt8]? {
        guard let entry = entries[name] else { return nil }
        let local = entry.localHeaderOffset
        guard local >= 0, local + 30 <= bytes.count, Self.u32(bytes, local) == 0x0403_4B50 else {
            throw Self.damage(path, "damaged local header of \(name)")
        }
        let start = local + 30 + Int(Self.u16(bytes, local + 26)) + Int(Self.u16(bytes, local + 28))
        guard start + entry.compressedSize <= bytes.count else {
            throw Self.damage(path, "the entry \(name) runs past the end of the file")
        }
        guard entry.size <= Self.maximumEntrySize else {
            throw Self.damage(path, "the entry \(name) claims \(entry.size) bytes, more than Plaza reads (1 GiB)")
        }
        let input = UnsafeRawBufferPointer(rebasing: bytes[start..<(start + entry.compressedSize)])
        switch entry.method {
        case 0:
            guard entry.compressedSize == entry.size else {
                throw Self.damage(path, "the stored entry \(name) has two different sizes")
            }
            return Array(input)
        case 8:
            return try inflate(input, size: entry.size, name: name)
        default:
            throw Self.damage(
                path, "the entry \(name) uses ZIP method \(entry.method); only stored and deflate are read")
        }
    }

    /// Raw DEFLATE (no zlib header) of exactly `size` bytes.
    private func inflate(_ input: UnsafeRawBufferPointer, size: Int, name: String) throws(CSVError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: size)
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Self.damage(path, "cannot start inflating \(name)")
        }
        defer { inflateEnd(&stream) }
        let status: Int32 = output.withUnsafeMutableBytes { out in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(input.count)
            stream.next_out = out.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(out.count)
            return CZlib.inflate(&stream, Z_FINISH)
        }
        guard status == Z_STREAM_END, Int(stream.total_out) == size else {
            throw Self.damage(path, "the entry \(name) does not inflate to the \(size) bytes its header claims")
        }
        return output
    }

    static func damage(_ path: String, _ message: String) -> CSVError {
        CSVError(kind: .invalidFile, message: message, location: FileLocation(path: path))
    }

    static func u16(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt16 {
        UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    static func u32(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        UInt32(u16(bytes, offset)) | UInt32(u16(bytes, offset + 2)) << 16
    }
}
