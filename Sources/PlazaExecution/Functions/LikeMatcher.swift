import Foundation

/// SQL LIKE over UTF-8 bytes: `%` any run, `_` one character, `\` escapes the next character.
struct LikeMatcher: Sendable {
    enum Token: Sendable, Equatable {
        case literal([UInt8])
        case one
        case any
    }
    let tokens: [Token]
    let caseInsensitive: Bool
    /// For a pattern without `_`: its literals in order (what lies between the `%`s), and whether it
    /// starts and ends with `%`. Matched by prefix, suffix and substring searches instead of the
    /// token loop (`'%green%'` in TPC-H Q9 ran at 180 ns a row).
    let literals: [[UInt8]]?
    let startsAny: Bool
    let endsAny: Bool

    init(pattern: String, caseInsensitive: Bool) {
        self.caseInsensitive = caseInsensitive
        let source = caseInsensitive ? pattern.lowercased() : pattern
        var tokens: [Token] = []
        var literal: [UInt8] = []
        var escaped = false
        func flush() {
            if !literal.isEmpty { tokens.append(.literal(literal)) }
            literal = []
        }
        for scalar in source.unicodeScalars {
            if escaped {
                literal.append(contentsOf: Array(String(scalar).utf8))
                escaped = false
            } else if scalar == "\\" {
                escaped = true
            } else if scalar == "%" {
                flush()
                if tokens.last != .any { tokens.append(.any) }
            } else if scalar == "_" {
                flush()
                tokens.append(.one)
            } else {
                literal.append(contentsOf: Array(String(scalar).utf8))
            }
        }
        flush()
        self.tokens = tokens
        startsAny = tokens.first == .any
        endsAny = tokens.last == .any
        if tokens.contains(.one) {
            literals = nil
        } else {
            literals = tokens.compactMap { token in
                if case .literal(let bytes) = token { return bytes }
                return nil
            }
        }
    }

    /// For a case-sensitive pattern of one literal and `%` on one side or both (`'%ta%'`, `'Tl%'`,
    /// `'%Sur'`): the literal and where it must lie, for `TextSearch`; nil for other patterns.
    var search: (literal: [UInt8], anchor: TextSearch.Anchor)? {
        guard !caseInsensitive, let literals, literals.count == 1, !literals[0].isEmpty else { return nil }
        switch (startsAny, endsAny) {
        case (true, true): return (literals[0], .anywhere)
        case (false, true): return (literals[0], .start)
        case (true, false): return (literals[0], .end)
        case (false, false): return nil
        }
    }

    func matches(_ raw: UnsafeRawBufferPointer) -> Bool {
        if caseInsensitive {
            if raw.allSatisfy({ $0 < 0x80 }) {
                let lowered = raw.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 32 : $0 }
                return lowered.withUnsafeBytes { matchCased($0) }
            }
            let lowered = Array(String(decoding: raw, as: UTF8.self).lowercased().utf8)
            return lowered.withUnsafeBytes { matchCased($0) }
        }
        return matchCased(raw)
    }

    /// `matches`, lowering the text into `scratch` for ILIKE instead of into a new string per row
    /// (that made `ilike '%ta%'` 5× DuckDB): ASCII letters and the Latin-1 letters after a 0xC3 lead
    /// byte are lowered by bit 0x20 as `lower` does; texts with other non-ASCII characters, and texts
    /// longer than `scratch`, take `matches`.
    func matches(_ raw: UnsafeRawBufferPointer, lowering scratch: UnsafeMutableRawBufferPointer) -> Bool {
        guard caseInsensitive, raw.count <= scratch.count, let source = raw.baseAddress,
            let target = scratch.baseAddress
        else { return matches(raw) }
        var afterC3 = false, other = false
        for i in 0..<raw.count {
            let c = source.load(fromByteOffset: i, as: UInt8.self)
            // After 0xC3: À–Þ (0x80–0x9E) but × (0x97) lower; else 'A'–'Z'.
            let flips = afterC3 ? (c & 0x1F != 0x1F && c & 0xDF != 0x97 && c & 0x20 == 0) : c &- 0x41 < 26
            target.storeBytes(of: flips ? c ^ 0x20 : c, toByteOffset: i, as: UInt8.self)
            other = other || (c >= 0x80 && !afterC3 && c != 0xC3)
            afterC3 = !afterC3 && c == 0xC3
        }
        guard !other else { return matches(raw) }
        return matchCased(UnsafeRawBufferPointer(start: target, count: raw.count))
    }

    /// `matches` once the text's case is settled.
    @inline(__always)
    private func matchCased(_ s: UnsafeRawBufferPointer) -> Bool {
        guard let literals else { return match(s, 0, 0) }
        return matchLiterals(s, literals)
    }

    /// The offset of the leftmost `literal` in `base[from ..< to]`: `memchr` (vectorized in libc)
    /// finds each candidate first byte, `memcmp` checks the rest.
    private func find(_ literal: [UInt8], in base: UnsafeRawPointer, from: Int, to end: Int) -> Int? {
        let length = literal.count
        let first = Int32(literal[0])
        var position = from
        while end - position >= length {
            guard let hit = memchr(base + position, first, end - position - length + 1) else { return nil }
            let offset = base.distance(to: UnsafeRawPointer(hit))
            if length == 1 || equal(base + offset, literal) { return offset }
            position = offset + 1
        }
        return nil
    }

    /// A pattern of literals and `%` only: the first literal is a prefix unless the pattern starts
    /// with `%`, the last a suffix unless it ends with one, and each other is found leftmost after
    /// the previous (leftmost is always right when only `%` lies between them).
    private func matchLiterals(_ s: UnsafeRawBufferPointer, _ literals: [[UInt8]]) -> Bool {
        let n = s.count
        guard let base = s.baseAddress, !literals.isEmpty else { return n == 0 || startsAny }
        var position = 0
        for (index, literal) in literals.enumerated() {
            let length = literal.count
            let isFirst = index == 0, isLast = index == literals.count - 1
            if isLast && !endsAny {
                // Anchored at the end, and not overlapping what the earlier literals used.
                guard n - length >= position, equal(base + (n - length), literal) else { return false }
                return startsAny || !isFirst || n == length
            }
            if isFirst && !startsAny {
                guard length <= n, equal(base, literal) else { return false }
                position = length
                continue
            }
            guard let found = find(literal, in: base, from: position, to: n) else { return false }
            position = found + length
        }
        return true
    }

    @inline(__always)
    private func equal(_ at: UnsafeRawPointer, _ literal: [UInt8]) -> Bool {
        literal.withUnsafeBytes { memcmp(at, $0.baseAddress!, literal.count) == 0 }
    }

    /// Wildcard matching with one backtrack point (the last `%`): O(text × pattern), never exponential.
    private func match(_ s: UnsafeRawBufferPointer, _ start: Int, _ first: Int) -> Bool {
        var position = start, token = first
        var starToken = -1, starPosition = 0
        let n = s.count
        func nextCharacter(_ at: Int) -> Int {
            var next = at + 1
            while next < n && (s[next] & 0xC0) == 0x80 { next += 1 }
            return next
        }
        while true {
            if token < tokens.count {
                switch tokens[token] {
                case .any:
                    starToken = token
                    starPosition = position
                    token += 1
                    continue
                case .one:
                    if position < n {
                        position = nextCharacter(position)
                        token += 1
                        continue
                    }
                case .literal(let bytes):
                    if position + bytes.count <= n
                        && bytes.withUnsafeBytes({
                            memcmp(s.baseAddress! + position, $0.baseAddress!, bytes.count) == 0
                        })
                    {
                        position += bytes.count
                        token += 1
                        continue
                    }
                }
            } else if position == n {
                return true
            }
            // Mismatch: let the last % swallow one more character, or fail.
            guard starToken >= 0, starPosition < n else { return false }
            starPosition = nextCharacter(starPosition)
            position = starPosition
            token = starToken + 1
        }
    }
}
