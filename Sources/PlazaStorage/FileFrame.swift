import PlazaCore

/// The frame around the body of Plaza's small checksummed files, deletion files (§10.1) and
/// commit records (§11.1) of Formats/plaza-manifest.md: 8-byte head magic, UInt16 major and
/// minor version, UInt32 body length, the body, CRC-32C of everything before it, 8-byte tail magic.
struct FileFrame {
    /// The leading magic.
    let head: [UInt8]
    /// The trailing magic.
    let tail: [UInt8]
    /// The version written, and the newest major version read.
    let version: (major: UInt16, minor: UInt16)
    /// What the file is, for messages ("deletion file").
    let kind: String

    /// Bytes of the frame around a body.
    static let overhead = 8 + 2 + 2 + 4 + 4 + 8

    /// `body` framed.
    func encode(_ body: [UInt8]) -> [UInt8] {
        var bytes = head
        ByteWriter.put(version.major, into: &bytes)
        ByteWriter.put(version.minor, into: &bytes)
        ByteWriter.put(UInt32(body.count), into: &bytes)
        bytes += body
        ByteWriter.put(Manifest.checksum(bytes[...]), into: &bytes)
        bytes += tail
        return bytes
    }

    /// Checks the frame of `bytes` and returns the file's minor version and a reader over its body.
    ///
    /// - Throws: `damaged(message)` for a bad magic, length or checksum, or an older major version;
    ///   `.newerVersion` (naming `path` and `table`) for a newer major version.
    func decode(
        _ bytes: [UInt8], path: String, table: String?, damaged: (String) -> StorageError
    ) throws(StorageError) -> (minor: UInt16, body: ByteReader) {
        let headText = String(decoding: head, as: UTF8.self), tailText = String(decoding: tail, as: UTF8.self)
        guard bytes.count >= Self.overhead, Array(bytes[0..<8]) == head else {
            throw damaged("does not start with the magic \"\(headText)\"")
        }
        var header = ByteReader(bytes: bytes, offset: 8)
        let major = try header.u16(damaged), minor = try header.u16(damaged)
        if major > version.major {
            throw StorageError(
                .newerVersion, "\(kind) has format version \(major).\(minor); upgrade Plaza", table: table, file: path)
        }
        guard major == version.major else { throw damaged("unknown format version \(major).\(minor)") }
        let bodyLength = Int(try header.u32(damaged))
        guard bytes.count == Self.overhead + bodyLength else {
            throw damaged("is \(bytes.count) bytes but its header announces \(Self.overhead + bodyLength)")
        }
        let checksumOffset = 16 + bodyLength
        var trailer = ByteReader(bytes: bytes, offset: checksumOffset)
        guard try trailer.u32(damaged) == Manifest.checksum(bytes[0..<checksumOffset]) else {
            throw damaged("checksum mismatch")
        }
        guard Array(bytes[(checksumOffset + 4)...]) == tail else {
            throw damaged("does not end with the magic \"\(tailText)\"")
        }
        return (minor, ByteReader(bytes: bytes, offset: 16, end: checksumOffset))
    }
}
