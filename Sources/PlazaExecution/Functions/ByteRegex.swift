import PlazaVector

/// A regular expression of the common subset matched over UTF-8 bytes without building strings:
/// `regexp_matches(s, 'a[lt]')` ran NSRegularExpression over a Swift string per row, 10× DuckDB.
///
/// The pattern becomes a Glushkov automaton: one state per character position (at most 64), the
/// states reached after each code point kept as the bits of a word. The subset: literals, `.`,
/// bracket classes of ASCII characters and ranges (`[^…]` too), `\d \w \s \D \W \S` with RE2's
/// ASCII meaning, escaped punctuation, groups `(…)` and `(?:…)`, `|`, `* + ?` (lazy forms too), `^`
/// at the start and `$` at the end of a pattern without a top-level `|`. As in RE2 (DuckDB), `.`
/// matches every character but `\n` and `$` only the end of the text. Anything else (counted
/// repetition, flags, word boundaries, Unicode classes) gives nil: the caller's general engine.
struct ByteRegex: Sendable {
    /// Per state: the states that may follow it.
    private var follow: [UInt64] = []
    /// The states a match may start in, and end in.
    private var first: UInt64 = 0, last: UInt64 = 0
    /// Whether the pattern matches the empty text.
    private var nullable = false
    /// Per ASCII byte: the states whose character set holds it.
    private var ascii = [UInt64](repeating: 0, count: 128)
    /// The states that match every non-ASCII character (`.`, negated classes, `\D \W \S`).
    private var nonASCII: UInt64 = 0
    /// Non-ASCII literal characters and their states.
    private var literals: [(scalar: UInt32, states: UInt64)] = []
    private var anchoredStart = false, anchoredEnd = false

    /// The automaton of `pattern`, or nil when it uses syntax outside the subset.
    init?(pattern: String) {
        var scalars = Array(pattern.unicodeScalars)
        if scalars.first == "^" {
            anchoredStart = true
            scalars.removeFirst()
        }
        // A final `$` not escaped (an even number of backslashes before it).
        if scalars.last == "$" {
            var backslashes = 0
            while backslashes < scalars.count - 1 && scalars[scalars.count - 2 - backslashes] == "\\" {
                backslashes += 1
            }
            if backslashes % 2 == 0 {
                anchoredEnd = true
                scalars.removeLast()
            }
        }
        var parser = Parser(scalars: scalars)
        guard let (fragment, branches) = parser.alternation(&self), parser.index == scalars.count else { return nil }
        // `^a|b` anchors only its first branch: left to the general engine.
        if (anchoredStart || anchoredEnd) && branches > 1 { return nil }
        first = fragment.first
        last = fragment.last
        nullable = fragment.nullable
    }

    /// Whether the pattern matches somewhere in the UTF-8 text `raw` (everywhere valid UTF-8).
    func matches(_ raw: UnsafeRawBufferPointer) -> Bool {
        ascii.withUnsafeBufferPointer { ascii in
            follow.withUnsafeBufferPointer { follow in matches(raw, ascii.baseAddress!, follow.baseAddress!) }
        }
    }

    /// Writes 1 or 0 into `result[row]` for each valid row of the text vector `text` (rows
    /// `0 ..< count`): whether the pattern matches it. The tables are opened once for the batch.
    func matchAll(_ text: ColumnVector, count: Int, into result: UnsafeMutablePointer<UInt8>) {
        ascii.withUnsafeBufferPointer { ascii in
            follow.withUnsafeBufferPointer { follow in
                for row in 0..<count where text.isValid(at: row) {
                    result[row] = matches(text.bytes(at: row), ascii.baseAddress!, follow.baseAddress!) ? 1 : 0
                }
            }
        }
    }

    /// `matches` over the tables `ascii` and `follow`.
    @inline(__always)
    private func matches(
        _ raw: UnsafeRawBufferPointer, _ ascii: UnsafePointer<UInt64>, _ follow: UnsafePointer<UInt64>
    ) -> Bool {
        let n = raw.count
        if nullable && (!anchoredStart || !anchoredEnd || n == 0) { return true }
        guard let base = raw.baseAddress else { return false }
        var state: UInt64 = 0
        var i = 0
        while i < n {
            let start = i
            let lead = UInt32(base.load(fromByteOffset: i, as: UInt8.self))
            var accepting: UInt64
            if lead < 0x80 {
                accepting = ascii[Int(lead)]
                i &+= 1
            } else {
                // The code point of a multi-byte sequence (the text is valid UTF-8).
                let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
                var scalar = lead & (0xFF >> UInt32(length + 1))
                for k in 1..<length {
                    scalar = scalar << 6 | UInt32(base.load(fromByteOffset: min(i + k, n - 1), as: UInt8.self) & 0x3F)
                }
                i = min(i + length, n)
                accepting = nonASCII
                for literal in literals where literal.scalar == scalar { accepting |= literal.states }
            }
            var next: UInt64 = 0
            var active = state
            while active != 0 {
                next |= follow[active.trailingZeroBitCount]
                active &= active &- 1
            }
            if !anchoredStart || start == 0 { next |= first }
            state = next & accepting
            if state & last != 0 && (!anchoredEnd || i == n) { return true }
            if state == 0 && anchoredStart { return false }
        }
        return false
    }

    /// A sub-pattern's states: where it may start and end, and whether it may be empty.
    private struct Fragment {
        var first: UInt64 = 0, last: UInt64 = 0, nullable = true
    }

    /// Adds a state matching the ASCII bytes of `set` (128 flags), every non-ASCII character when
    /// `others`, and the non-ASCII `scalar`; nil past 64 states.
    private mutating func state(_ set: [Bool], others: Bool, scalar: UInt32? = nil) -> Fragment? {
        let index = follow.count
        guard index < 64 else { return nil }
        follow.append(0)
        let bit: UInt64 = 1 << UInt64(index)
        for byte in 0..<128 where set[byte] { ascii[byte] |= bit }
        if others { nonASCII |= bit }
        if let scalar {
            if let at = literals.firstIndex(where: { $0.scalar == scalar }) {
                literals[at].states |= bit
            } else {
                literals.append((scalar, bit))
            }
        }
        return Fragment(first: bit, last: bit, nullable: false)
    }

    /// Adds `to` to what follows each state of `from`.
    private mutating func link(_ from: UInt64, _ to: UInt64) {
        var states = from
        while states != 0 {
            follow[states.trailingZeroBitCount] |= to
            states &= states &- 1
        }
    }

    /// Recursive descent over the pattern's scalars, building states as it goes.
    private struct Parser {
        let scalars: [Unicode.Scalar]
        var index = 0

        /// Branches separated by `|`, and how many there were.
        mutating func alternation(_ regex: inout ByteRegex) -> (Fragment, Int)? {
            guard var result = concatenation(&regex) else { return nil }
            var branches = 1
            while index < scalars.count && scalars[index] == "|" {
                index += 1
                guard let next = concatenation(&regex) else { return nil }
                result = Fragment(
                    first: result.first | next.first, last: result.last | next.last,
                    nullable: result.nullable || next.nullable)
                branches += 1
            }
            return (result, branches)
        }

        mutating func concatenation(_ regex: inout ByteRegex) -> Fragment? {
            var result = Fragment()
            while index < scalars.count && scalars[index] != "|" && scalars[index] != ")" {
                guard let next = repetition(&regex) else { return nil }
                regex.link(result.last, next.first)
                result = Fragment(
                    first: result.first | (result.nullable ? next.first : 0),
                    last: next.last | (next.nullable ? result.last : 0),
                    nullable: result.nullable && next.nullable)
            }
            return result
        }

        mutating func repetition(_ regex: inout ByteRegex) -> Fragment? {
            guard var result = atom(&regex) else { return nil }
            while index < scalars.count, "*+?".unicodeScalars.contains(scalars[index]) {
                let quantifier = scalars[index]
                index += 1
                // A lazy quantifier matches where the greedy one does.
                if index < scalars.count && scalars[index] == "?" { index += 1 }
                if quantifier != "?" { regex.link(result.last, result.first) }
                if quantifier != "+" { result.nullable = true }
            }
            return result
        }

        mutating func atom(_ regex: inout ByteRegex) -> Fragment? {
            guard index < scalars.count else { return nil }
            let c = scalars[index]
            index += 1
            switch c {
            case "(":
                if index < scalars.count && scalars[index] == "?" {
                    guard index + 1 < scalars.count, scalars[index + 1] == ":" else { return nil }
                    index += 2
                }
                guard let (inner, _) = alternation(&regex), index < scalars.count, scalars[index] == ")" else {
                    return nil
                }
                index += 1
                return inner
            case ".":
                var set = [Bool](repeating: true, count: 128)
                set[0x0A] = false
                return regex.state(set, others: true)
            case "[":
                return bracket(&regex)
            case "\\":
                guard index < scalars.count else { return nil }
                let e = scalars[index]
                index += 1
                if let (set, negated) = ByteRegex.perlClass(e) { return regex.state(set, others: negated) }
                // Escaped punctuation is itself; letters and digits are escapes outside the subset.
                guard e.isASCII, !ByteRegex.isWordByte(UInt8(e.value)) else { return nil }
                return regex.state(ByteRegex.single(UInt8(e.value)), others: false)
            case "*", "+", "?", ")", "{", "}", "^", "$", "]":
                return nil
            default:
                if c.isASCII { return regex.state(ByteRegex.single(UInt8(c.value)), others: false) }
                return regex.state([Bool](repeating: false, count: 128), others: false, scalar: c.value)
            }
        }

        /// A bracket class of ASCII characters, ranges and `\d \w \s` (after its `[`).
        mutating func bracket(_ regex: inout ByteRegex) -> Fragment? {
            var set = [Bool](repeating: false, count: 128)
            var negated = false
            if index < scalars.count && scalars[index] == "^" {
                negated = true
                index += 1
            }
            var firstItem = true
            while index < scalars.count {
                var c = scalars[index]
                if c == "]" && !firstItem { break }
                // Nested sets and set operations mean different things in different engines.
                guard c.isASCII, c != "[", c != "&" || index + 1 >= scalars.count || scalars[index + 1] != "&" else {
                    return nil
                }
                firstItem = false
                index += 1
                if c == "\\" {
                    guard index < scalars.count else { return nil }
                    let e = scalars[index]
                    index += 1
                    if let (members, inverted) = ByteRegex.perlClass(e) {
                        // A negated Perl class inside brackets would add every non-ASCII character.
                        guard !inverted else { return nil }
                        for byte in 0..<128 where members[byte] { set[byte] = true }
                        continue
                    }
                    guard e.isASCII, !ByteRegex.isWordByte(UInt8(e.value)) else { return nil }
                    c = e
                }
                if index + 1 < scalars.count && scalars[index] == "-" && scalars[index + 1] != "]" {
                    let end = scalars[index + 1]
                    guard end.isASCII, end != "\\", end != "[", end.value >= c.value else { return nil }
                    index += 2
                    for byte in c.value...end.value { set[Int(byte)] = true }
                } else {
                    set[Int(c.value)] = true
                }
            }
            guard index < scalars.count, scalars[index] == "]" else { return nil }
            index += 1
            if negated { set = set.map { !$0 } }
            return regex.state(set, others: negated)
        }
    }

    /// The 128 flags of one ASCII byte.
    private static func single(_ byte: UInt8) -> [Bool] {
        var set = [Bool](repeating: false, count: 128)
        set[Int(byte)] = true
        return set
    }

    /// Whether `byte` is a letter, digit or `_` (RE2's `\w`).
    private static func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == 0x5F
    }

    /// RE2's ASCII `\d \w \s` (and their negations): the ASCII flags and whether it is negated.
    private static func perlClass(_ e: Unicode.Scalar) -> ([Bool], Bool)? {
        let member: (UInt8) -> Bool
        switch e {
        case "d", "D": member = { $0 >= 0x30 && $0 <= 0x39 }
        case "w", "W": member = isWordByte
        case "s", "S": member = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0C || $0 == 0x0D }
        default: return nil
        }
        let negated = e.properties.isUppercase
        return ((0..<128).map { member(UInt8($0)) != negated }, negated)
    }
}
