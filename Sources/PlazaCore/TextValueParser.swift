/// The one text → value parser: SQL literals, CAST/TRY_CAST and CSV import all read text through it.
///
/// Byte-level over `UnsafeBufferPointer<UInt8>` (PERFORMANCE.md rule 8): no `String`, allocation or
/// Foundation call per value. The grammar is written down in docs/SQL.md, "Text to values"; `options`
/// choose the strict CSV profile and its extras (money text, decimal comma, day/month dates).
/// Every function returns nil for text that is not such a value; callers name the place in their error.
@usableFromInline package enum TextValueParser {
    /// Parses `text` as a value of `type`, or nil. VARCHAR keeps the text as is; NULL gives `.null`.
    package static func parse(
        _ text: UnsafeBufferPointer<UInt8>, as type: DataType, options: TextParseOptions = .sql
    ) -> Value? {
        switch type {
        case .boolean: return boolean(text, options: options).map(Value.boolean)
        case .bigint: return integer(text, options: options).map(Value.bigint)
        case .double: return double(text, options: options).map(Value.double)
        case .decimal(let p, let s) where p > DataType.maxNarrowDecimalPrecision:
            // A wide DECIMAL: the SQL grammar only (CSV columns are inferred narrow).
            let string = String(decoding: text, as: UTF8.self)
            return wideDecimal(string, precision: p, scale: s).map { Value.wideDecimal($0, scale: s) }
        case .decimal(let p, let s):
            return decimal(text, precision: p, scale: s, options: options).map { Value.decimal($0, scale: s) }
        case .varchar: return .varchar(String(decoding: text, as: UTF8.self))
        case .date: return date(text, options: options).map(Value.date)
        case .timestamp: return timestamp(text, options: options).map(Value.timestamp)
        case .interval: return interval(text, options: options).map(Value.interval)
        case .null: return .null
        }
    }

    /// Parses a string as a value of `type`, or nil (constant folding, literals).
    package static func parse(_ text: String, as type: DataType, options: TextParseOptions = .sql) -> Value? {
        withBytes(text) { parse($0, as: type, options: options) }
    }

    /// Runs `body` over the UTF-8 bytes of `text` (contiguous for native strings, copied otherwise).
    package static func withBytes<R>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        var copy = text
        return copy.withUTF8(body)
    }

    /// Whether a byte is an ASCII digit.
    @inlinable @inline(__always)
    package static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    /// Skips a `+` or `-` at `i`, if there is one; true when it was `-`.
    @inlinable @inline(__always)
    package static func readSign(_ text: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> Bool {
        guard i < text.count, text[i] == UInt8(ascii: "-") || text[i] == UInt8(ascii: "+") else { return false }
        defer { i &+= 1 }
        return text[i] == UInt8(ascii: "-")
    }

    /// Whether a byte is a space, tab, carriage return or line feed.
    @inlinable @inline(__always)
    package static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// `text` without surrounding spaces, unless the options are exact (then spaces make it invalid).
    @inlinable @inline(__always)
    package static func trimmed(_ text: UnsafeBufferPointer<UInt8>, _ options: TextParseOptions)
        -> UnsafeBufferPointer<UInt8>
    {
        if options.isExact || text.isEmpty || (!isSpace(text[0]) && !isSpace(text[text.count - 1])) { return text }
        var start = 0, end = text.count
        while start < end && isSpace(text[start]) { start += 1 }
        while end > start && isSpace(text[end - 1]) { end -= 1 }
        return UnsafeBufferPointer(rebasing: text[start..<end])
    }

    /// Reads `min…max` digits at `i`, advancing it.
    @inlinable @inline(__always)
    package static func digits(_ text: UnsafeBufferPointer<UInt8>, _ i: inout Int, min: Int, max: Int) -> Int? {
        var value = 0
        var count = 0
        while count < max && i < text.count && isDigit(text[i]) {
            value = value &* 10 &+ Int(text[i] &- UInt8(ascii: "0"))
            count &+= 1
            i &+= 1
        }
        return count >= min ? value : nil
    }

    /// Exactly two digits at `i`, advancing it.
    @inlinable @inline(__always)
    package static func twoDigits(_ text: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> Int? {
        guard i + 2 <= text.count else { return nil }
        let high = text[i] &- 48, low = text[i + 1] &- 48
        guard high < 10 && low < 10 else { return nil }
        i &+= 2
        return Int(high) &* 10 &+ Int(low)
    }
}
