/// A user date format: `%Y`, `%m`, `%d` and literal bytes, e.g. `%d/%m/%Y` or `%Y%m%d`.
@usableFromInline package struct TextDateFormat: Sendable, Hashable {
    /// One piece of a format.
    @usableFromInline package enum Piece: Sendable, Hashable {
        case year, month, day
        case literal(UInt8)
    }

    /// The pieces in order.
    @usableFromInline package let pieces: [Piece]
    /// Whether the format has no literal between fields (`%Y%m%d`), so it can look like an integer.
    package let isCompact: Bool

    /// Parses `text`; nil if it uses anything but `%Y`, `%m`, `%d` and single-byte literals, or lacks one of them.
    package init?(_ text: String) {
        var pieces: [Piece] = []
        var bytes = Array(text.utf8)[...]
        while let byte = bytes.popFirst() {
            if byte == UInt8(ascii: "%") {
                switch bytes.popFirst() {
                case UInt8(ascii: "Y"): pieces.append(.year)
                case UInt8(ascii: "m"): pieces.append(.month)
                case UInt8(ascii: "d"): pieces.append(.day)
                default: return nil
                }
            } else {
                pieces.append(.literal(byte))
            }
        }
        let fields = pieces.filter { if case .literal = $0 { return false } else { return true } }
        guard fields.count == 3, Set(fields).count == 3 else { return nil }
        self.pieces = pieces
        self.isCompact = fields.count == pieces.count
    }

    /// The day number of `text` written in this format, or nil. A field followed by another field
    /// (`%Y%m%d`) takes exactly two digits; one followed by a literal or the end takes one or two.
    @inlinable
    package func parse(_ text: UnsafeBufferPointer<UInt8>) -> Int32? {
        var i = 0
        var year = -1, month = -1, day = -1
        for (index, piece) in pieces.enumerated() {
            let nextIsField: Bool
            if index + 1 < pieces.count, case .literal = pieces[index + 1] {
                nextIsField = false
            } else {
                nextIsField = index + 1 < pieces.count
            }
            switch piece {
            case .literal(let byte):
                guard i < text.count, text[i] == byte else { return nil }
                i += 1
            case .year:
                guard let v = TextValueParser.digits(text, &i, min: 4, max: 4) else { return nil }
                year = v
            case .month:
                guard let v = TextValueParser.digits(text, &i, min: nextIsField ? 2 : 1, max: 2) else { return nil }
                month = v
            case .day:
                guard let v = TextValueParser.digits(text, &i, min: nextIsField ? 2 : 1, max: 2) else { return nil }
                day = v
            }
        }
        guard i == text.count else { return nil }
        return TextValueParser.dayNumber(year: year, month: month, day: day)
    }
}
