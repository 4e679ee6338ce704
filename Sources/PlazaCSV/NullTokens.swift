/// The unquoted field texts that mean NULL, matched on bytes without building a String.
struct NullTokens: Sendable {
    /// The tokens' UTF-8 bytes.
    let tokens: [[UInt8]]
    /// Bit `k` set when some token is `k` bytes long (tokens up to 63 bytes), to reject most fields at once.
    let lengthMask: UInt64

    /// Prepares `tokens`; empty strings are dropped (an empty unquoted field is NULL anyway).
    init(_ tokens: [String]) {
        self.tokens = tokens.map { Array($0.utf8) }.filter { !$0.isEmpty }
        var mask: UInt64 = 0
        for token in self.tokens { mask |= token.count < 64 ? 1 << UInt64(token.count) : 1 << 63 }
        lengthMask = mask
    }

    /// Whether `p[0..<n]` (unquoted, non-empty) is one of the tokens.
    @inline(__always)
    func matches(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        guard lengthMask & (1 << UInt64(min(n, 63))) != 0 else { return false }
        for token in tokens where token.count == n {
            if token.withUnsafeBufferPointer({ memcmpBytes($0.baseAddress!, p, n) }) { return true }
        }
        return false
    }

    @inline(__always)
    private func memcmpBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        for i in 0..<n where a[i] != b[i] { return false }
        return true
    }

    /// Whether a field is NULL: unquoted and empty, or unquoted and a token.
    @inline(__always)
    func isNull(_ base: UnsafePointer<UInt8>, start: Int, end: Int, flags: UInt8) -> Bool {
        flags & FieldBlock.quoted == 0 && (end == start || matches(base + start, end - start))
    }
}
