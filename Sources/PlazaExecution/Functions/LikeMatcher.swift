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
    }

    func matches(_ raw: UnsafeRawBufferPointer) -> Bool {
        if caseInsensitive {
            if raw.allSatisfy({ $0 < 0x80 }) {
                let lowered = raw.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 32 : $0 }
                return lowered.withUnsafeBytes { match($0, 0, 0) }
            }
            let lowered = Array(String(decoding: raw, as: UTF8.self).lowercased().utf8)
            return lowered.withUnsafeBytes { match($0, 0, 0) }
        }
        return match(raw, 0, 0)
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
