import Foundation
import PlazaCore
import PlazaPlanner
import PlazaVector

/// Text kernels: bytes in place for ASCII and the common cases, Swift strings only where Unicode
/// rules (case mapping, accents) demand them.
enum TextFunctions {
    static func kernel(_ name: ScalarFunction, _ types: [DataType], _ result: DataType, _ constants: [Value?])
        throws(ExecutionError) -> ScalarKernel
    {
        switch name {
        case .like, .ilike:
            let caseInsensitive = name == .ilike
            if case .varchar(let pattern)? = constants[1] {
                let matcher = LikeMatcher(pattern: pattern, caseInsensitive: caseInsensitive)
                if let (literal, anchor) = matcher.search {
                    return { (inputs, count) throws(ExecutionError) in
                        let out = makeOutput(.boolean, count)
                        literal.withUnsafeBytes { literal in
                            TextSearch.find(
                                literal, at: anchor, in: inputs[0], count: count,
                                into: out.data.assumingMemoryBound(to: UInt8.self))
                        }
                        propagateNulls([inputs[0]], into: out, count: count)
                        return out
                    }
                }
                return { (inputs, count) throws(ExecutionError) in
                    let out = makeOutput(.boolean, count)
                    let result = out.data.assumingMemoryBound(to: UInt8.self)
                    let v = inputs[0]
                    if caseInsensitive {
                        // One buffer for the batch's lowered texts (longer ones are lowered apart).
                        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1_024, alignment: 8)
                        defer { scratch.deallocate() }
                        for row in 0..<count {
                            result[row] = matcher.matches(v.bytes(at: row), lowering: scratch) ? 1 : 0
                        }
                    } else {
                        for row in 0..<count { result[row] = matcher.matches(v.bytes(at: row)) ? 1 : 0 }
                    }
                    propagateNulls([v], into: out, count: count)
                    return out
                }
            }
            return { (inputs, count) throws(ExecutionError) in
                let out = makeOutput(.boolean, count)
                let result = out.data.assumingMemoryBound(to: UInt8.self)
                for row in 0..<count {
                    guard inputs[1].isValid(at: row) else { continue }
                    let matcher = LikeMatcher(pattern: string(inputs[1], row), caseInsensitive: caseInsensitive)
                    result[row] = matcher.matches(inputs[0].bytes(at: row)) ? 1 : 0
                }
                propagateNulls(inputs, into: out, count: count)
                return out
            }
        case .concatOperator:
            return { (inputs, count) throws(ExecutionError) in
                let left = inputs[0], right = inputs[1]
                return try buildStrings(count, inputs) { (row, text) throws(ExecutionError) in
                    text.append(contentsOf: left.bytes(at: row))
                    text.append(contentsOf: right.bytes(at: row))
                }
            }
        case .concat:
            return { (inputs, count) throws(ExecutionError) in
                // Never NULL: NULL arguments are skipped. Two arguments (`concat(s, '-x')`) without a loop per row.
                let arguments = inputs.filter { $0.type != .null }
                if arguments.count == 2 {
                    let first = arguments[0], second = arguments[1]
                    return try buildStrings(count, []) { (row, text) throws(ExecutionError) in
                        if first.isValid(at: row) { text.append(contentsOf: first.bytes(at: row)) }
                        if second.isValid(at: row) { text.append(contentsOf: second.bytes(at: row)) }
                    }
                }
                return try buildStrings(count, []) { (row, text) throws(ExecutionError) in
                    for v in arguments where v.isValid(at: row) { text.append(contentsOf: v.bytes(at: row)) }
                }
            }
        case .lower, .upper:
            let upper = name == .upper
            // ASCII letters in [from, from + 26) flip case (xor 0x20); other text takes Swift's Unicode mapping.
            let from: UInt8 = upper ? 0x61 : 0x41
            return { (inputs, count) throws(ExecutionError) in
                return try buildStrings(count, inputs) { (row, text) throws(ExecutionError) in
                    let bytes = inputs[0].bytes(at: row)
                    if mapsInPlace(bytes, upper: upper) {
                        // ASCII letters flip bit 0x20; so do the Latin-1 letters U+00C0–U+00FE after a 0xC3
                        // lead byte (second byte 0x80–0x9E upper, 0xA0–0xBE lower; × and ÷ excepted).
                        var afterC3 = false
                        for c in bytes {
                            let flips =
                                afterC3
                                ? (c & 0x1F != 0x1F && c & 0xDF != 0x97 && (c & 0x20 != 0) == upper) : c &- from < 26
                            text.append(flips ? c ^ 0x20 : c)
                            afterC3 = c == 0xC3
                        }
                    } else {
                        let s = string(inputs[0], row)
                        text.append(contentsOf: (upper ? s.uppercased() : s.lowercased()).utf8)
                    }
                }
            }
        case .length:
            return { (inputs, count) throws(ExecutionError) in
                let out = makeOutput(.bigint, count)
                let result = out.data.assumingMemoryBound(to: Int64.self)
                let v = inputs[0]
                for row in 0..<count {
                    // Count scalars: every byte that is not a UTF-8 continuation byte.
                    var n: Int64 = 0
                    for c in v.bytes(at: row) { n &+= (c & 0xC0) != 0x80 ? 1 : 0 }
                    result[row] = n
                }
                propagateNulls(inputs, into: out, count: count)
                return out
            }
        case .trim, .ltrim, .rtrim:
            let left = name != .rtrim, right = name != .ltrim
            // The usual case, spaces or a constant set of ASCII characters, trims bytes in place:
            // an ASCII byte never occurs inside a multi-byte UTF-8 sequence.
            var asciiSet: [Bool]?
            if types.count == 1 {
                asciiSet = (0..<128).map { $0 == 0x20 }
            } else if case .varchar(let chars)? = constants[1], chars.utf8.allSatisfy({ $0 < 0x80 }) {
                var table = [Bool](repeating: false, count: 128)
                for c in chars.utf8 { table[Int(c)] = true }
                asciiSet = table
            }
            if let table = asciiSet {
                return { (inputs, count) throws(ExecutionError) in
                    try table.withUnsafeBufferPointer { inSet throws(ExecutionError) in
                        try buildStrings(count, inputs) { (row, text) throws(ExecutionError) in
                            let bytes = inputs[0].bytes(at: row)
                            var start = 0, end = bytes.count
                            if right {
                                while end > start && bytes[end - 1] < 0x80 && inSet[Int(bytes[end - 1])] { end -= 1 }
                            }
                            if left {
                                while start < end && bytes[start] < 0x80 && inSet[Int(bytes[start])] { start += 1 }
                            }
                            text.append(contentsOf: bytes[start..<end])
                        }
                    }
                }
            }
            return { (inputs, count) throws(ExecutionError) in
                try buildStrings(count, inputs) { (row, text) throws(ExecutionError) in
                    let set = Set(string(inputs[1], row).unicodeScalars)
                    var scalars = Array(string(inputs[0], row).unicodeScalars)
                    if right { while let last = scalars.last, set.contains(last) { scalars.removeLast() } }
                    var start = 0
                    if left { while start < scalars.count && set.contains(scalars[start]) { start += 1 } }
                    var s = String.UnicodeScalarView()
                    s.append(contentsOf: scalars[start...])
                    text.append(contentsOf: String(s).utf8)
                }
            }
        case .substring:
            var constantLength: Int64? = constants.count == 2 ? Int64.max : nil
            if constants.count > 2, case .bigint(let n)? = constants[2], n >= 0 { constantLength = n }
            if case .bigint(let offset)? = constants[1], offset > 0, let take = constantLength {
                // Constant start and length (the usual case): skip to the start's scalar, then take the
                // length's scalars, without counting the whole text.
                let skip = offset - 1
                return { (inputs, count) throws(ExecutionError) in
                    let v = inputs[0]
                    return try buildStrings(count, inputs) { (row, text) throws(ExecutionError) in
                        let bytes = v.bytes(at: row)
                        var index = 0, scalars: Int64 = 0
                        while index < bytes.count && (scalars < skip || bytes[index] & 0xC0 == 0x80) {
                            index &+= 1
                            if index < bytes.count && bytes[index] & 0xC0 != 0x80 { scalars &+= 1 }
                        }
                        let from = index
                        var taken: Int64 = 0
                        while index < bytes.count && taken < take {
                            index &+= 1
                            while index < bytes.count && bytes[index] & 0xC0 == 0x80 { index &+= 1 }
                            taken &+= 1
                        }
                        text.append(contentsOf: bytes[from..<index])
                    }
                }
            }
            return { (inputs, count) throws(ExecutionError) in
                try buildStrings(count, inputs) { (row, text) throws(ExecutionError) in
                    // Works on the UTF-8 bytes: a scalar starts at every byte that is not 10xxxxxx.
                    let bytes = inputs[0].bytes(at: row)
                    var scalars = 0
                    for byte in bytes where byte & 0xC0 != 0x80 { scalars += 1 }
                    let offset = inputs[1].data.load(fromByteOffset: row * 8, as: Int64.self)
                    let length = inputs.count > 2 ? inputs[2].data.load(fromByteOffset: row * 8, as: Int64.self) : nil
                    let range = substringRange(size: scalars, offset: offset, length: length)
                    let from = scalarByteIndex(bytes, range.lowerBound)
                    let to = range.upperBound == scalars ? bytes.count : scalarByteIndex(bytes, range.upperBound)
                    text.append(contentsOf: bytes[from..<to])
                }
            }
        case .replace:
            return { (inputs, count) throws(ExecutionError) in
                return try buildStrings(count, inputs) { (row, text) throws(ExecutionError) in
                    // Every non-overlapping occurrence, left to right, compared as UTF-8 bytes (DuckDB).
                    let source = inputs[0].bytes(at: row), search = inputs[1].bytes(at: row)
                    guard let searchStart = search.baseAddress, !search.isEmpty, search.count <= source.count,
                        let sourceStart = source.baseAddress
                    else {
                        text.append(contentsOf: source)
                        return
                    }
                    let first = search[0], length = search.count
                    var index = 0, copied = 0
                    while index + length <= source.count {
                        if source[index] == first && memcmp(sourceStart + index, searchStart, length) == 0 {
                            text.append(contentsOf: source[copied..<index])
                            text.append(contentsOf: inputs[2].bytes(at: row))
                            index += length
                            copied = index
                        } else {
                            index += 1
                        }
                    }
                    text.append(contentsOf: source[copied...])
                }
            }
        case .startsWith, .contains:
            let prefixOnly = name == .startsWith
            if case .varchar(let constant)? = constants[1], !constant.isEmpty {
                // A constant needle (the usual case): its bytes held once, searched a batch at a time.
                let needle = Array(constant.utf8)
                return { (inputs, count) throws(ExecutionError) in
                    let out = makeOutput(.boolean, count)
                    needle.withUnsafeBytes { needle in
                        TextSearch.find(
                            needle, at: prefixOnly ? .start : .anywhere, in: inputs[0], count: count,
                            into: out.data.assumingMemoryBound(to: UInt8.self))
                    }
                    propagateNulls(inputs, into: out, count: count)
                    return out
                }
            }
            return { (inputs, count) throws(ExecutionError) in
                let out = makeOutput(.boolean, count)
                let result = out.data.assumingMemoryBound(to: UInt8.self)
                for row in 0..<count {
                    let haystack = inputs[0].bytes(at: row), needle = inputs[1].bytes(at: row)
                    result[row] = (prefixOnly ? hasPrefix(haystack, needle) : containsBytes(haystack, needle)) ? 1 : 0
                }
                propagateNulls(inputs, into: out, count: count)
                return out
            }
        case .splitPart:
            return { (inputs, count) throws(ExecutionError) in
                var separators: [Int] = []  // byte offsets of the separators in the row, reused per batch
                return try buildStrings(count, inputs) { (row, text) throws(ExecutionError) in
                    let source = inputs[0].bytes(at: row), separator = inputs[1].bytes(at: row)
                    let index = inputs[2].data.load(fromByteOffset: row * 8, as: Int64.self)
                    // Parts are separated by non-overlapping occurrences (UTF-8 bytes, as DuckDB); an
                    // empty separator splits into Unicode scalars.
                    separators.removeAll(keepingCapacity: true)
                    var parts = 0
                    if separator.isEmpty {
                        for byte in source where byte & 0xC0 != 0x80 { parts += 1 }
                    } else if let sourceStart = source.baseAddress, let separatorStart = separator.baseAddress {
                        var offset = 0
                        while offset + separator.count <= source.count {
                            if source[offset] == separator[0]
                                && memcmp(sourceStart + offset, separatorStart, separator.count) == 0
                            {
                                separators.append(offset)
                                offset += separator.count
                            } else {
                                offset += 1
                            }
                        }
                        parts = separators.count + 1
                    } else {
                        parts = 1  // empty text, non-empty separator: one empty part
                    }
                    let position =
                        index > 0
                        ? Int(Swift.min(index, Int64(parts) + 1)) - 1 : parts + Int(Swift.max(index, -Int64(parts) - 1))
                    guard index != 0 && position >= 0 && position < parts else {
                        return
                    }
                    let start: Int, end: Int
                    if separator.isEmpty {
                        start = scalarByteIndex(source, position)
                        end = scalarByteIndex(source, position + 1)
                    } else {
                        start = position == 0 ? 0 : separators[position - 1] + separator.count
                        end = position == separators.count ? source.count : separators[position]
                    }
                    text.append(contentsOf: source[start..<end])
                }
            }
        case .stripAccents:
            return { (inputs, count) throws(ExecutionError) in
                try buildStrings(count, inputs) { (row, text) throws(ExecutionError) in
                    let bytes = inputs[0].bytes(at: row)
                    var isLatin1 = true  // ASCII, and two-byte sequences led by 0xC3 (U+00C0–U+00FF)
                    var index = 0
                    while index < bytes.count {
                        let c = bytes[index]
                        if c >= 0x80 && (c != 0xC3 || index + 1 == bytes.count) {
                            isLatin1 = false
                            break
                        }
                        index += c == 0xC3 ? 2 : 1
                    }
                    if isLatin1 {
                        // A letter with a mark becomes its base letter; the others (Æ, Ø, ß, ×, …) stay.
                        var afterC3 = false
                        for c in bytes {
                            if c == 0xC3 {
                                afterC3 = true
                                continue
                            }
                            if afterC3 {
                                let base = latin1Bases[Int(c & 0x3F)]
                                if base != 0 {
                                    text.append(base)
                                } else {
                                    text.append(0xC3)
                                    text.append(c)
                                }
                                afterC3 = false
                            } else {
                                text.append(c)
                            }
                        }
                        return
                    }
                    let decomposed = string(inputs[0], row).decomposedStringWithCanonicalMapping
                    var s = String.UnicodeScalarView()
                    for scalar in decomposed.unicodeScalars
                    where !(scalar.properties.generalCategory == .nonspacingMark) { s.append(scalar) }
                    text.append(contentsOf: String(s).utf8)
                }
            }
        case .regexpMatches:
            return { (inputs, count) throws(ExecutionError) in
                let out = makeOutput(.boolean, count)
                let result = out.data.assumingMemoryBound(to: UInt8.self)
                // One pattern for the batch (a constant) in the common subset: the byte automaton over
                // every row at once (NSRegularExpression still rejects an invalid pattern first).
                if let pattern = onePattern(inputs[1], count), let automaton = ByteRegex(pattern: pattern) {
                    _ = try compileRegex(pattern)
                    automaton.matchAll(inputs[0], count: count, into: result)
                    propagateNulls(inputs, into: out, count: count)
                    return out
                }
                // The pattern of the last row, compiled: NSRegularExpression (which also rejects an
                // invalid pattern) and, for the common subset, the byte automaton that matches instead.
                var cache: (pattern: String, regex: NSRegularExpression, bytes: ByteRegex?)?
                for row in 0..<count where inputs[0].isValid(at: row) && inputs[1].isValid(at: row) {
                    let pattern = string(inputs[1], row)
                    if cache?.pattern != pattern {
                        cache = (pattern, try compileRegex(pattern), ByteRegex(pattern: pattern))
                    }
                    guard let (_, regex, bytes) = cache else { continue }
                    if let bytes {
                        result[row] = bytes.matches(inputs[0].bytes(at: row)) ? 1 : 0
                    } else {
                        let s = string(inputs[0], row)
                        result[row] = regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil ? 1 : 0
                    }
                }
                propagateNulls(inputs, into: out, count: count)
                return out
            }
        default:
            preconditionFailure("\(name) is not a text function")
        }
    }

    /// `pattern` compiled by NSRegularExpression, or an error naming it.
    private static func compileRegex(_ pattern: String) throws(ExecutionError) -> NSRegularExpression {
        do {
            return try NSRegularExpression(pattern: pattern)
        } catch {
            throw ExecutionError(.invalidArgument, "invalid regular expression \"\(pattern)\"")
        }
    }

    /// The pattern every valid row of `patterns` holds, or nil when they differ or all are NULL.
    private static func onePattern(_ patterns: ColumnVector, _ count: Int) -> String? {
        var first: UnsafeRawBufferPointer?
        for row in 0..<count where patterns.isValid(at: row) {
            let bytes = patterns.bytes(at: row)
            guard let seen = first else {
                first = bytes
                continue
            }
            guard seen.count == bytes.count,
                seen.count == 0 || memcmp(seen.baseAddress!, bytes.baseAddress!, seen.count) == 0
            else { return nil }
        }
        return first.map { String(decoding: $0, as: UTF8.self) }
    }

    static func hasPrefix(_ haystack: UnsafeRawBufferPointer, _ needle: UnsafeRawBufferPointer) -> Bool {
        guard needle.count <= haystack.count else { return false }
        return needle.count == 0 || memcmp(haystack.baseAddress!, needle.baseAddress!, needle.count) == 0
    }

    static func containsBytes(_ haystack: UnsafeRawBufferPointer, _ needle: UnsafeRawBufferPointer) -> Bool {
        if needle.count == 0 { return true }
        guard needle.count <= haystack.count else { return false }
        let first = needle[0]
        var i = 0
        while i + needle.count <= haystack.count {
            if haystack[i] == first && memcmp(haystack.baseAddress! + i, needle.baseAddress!, needle.count) == 0 {
                return true
            }
            i += 1
        }
        return false
    }
}

/// The scalars `substring(s, offset, length)` keeps, as DuckDB defines it: a positive offset is
/// 1-based, a negative one counts from the end, 0 is the position before the first scalar; a
/// negative length takes the scalars before the start; the range is cut to the text afterwards.
func substringRange(size: Int, offset: Int64, length: Int64?) -> Range<Int> {
    /// `a + b`, held at the Int64 limits (the result is cut to the text, so saturating is exact).
    func add(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? Int64.max : Int64.min) : sum
    }
    let count = Int64(size)
    var length = length ?? Int64.max
    if length == 0 { return 0..<0 }
    var start: Int64
    if offset > 0 {
        start = offset - 1
    } else if offset < 0 {
        start = add(count, offset)
    } else {
        start = 0
        length -= 1
        if length <= 0 { return 0..<0 }
    }
    var end: Int64
    if length > 0 {
        end = add(start, length)
    } else {
        end = start
        start = add(start, length)
    }
    start = Swift.max(0, Swift.min(start, count))
    end = Swift.max(start, Swift.min(end, count))
    return Int(start)..<Int(end)
}

/// Whether `lower`/`upper` of `bytes` maps byte by byte: ASCII, and Latin-1 letters after a 0xC3 lead
/// byte (U+00C0–U+00FE), except ß (U+00DF, `SS` in upper case) and ÿ (U+00FF, Ÿ is U+0178) for `upper`.
@inline(__always)
func mapsInPlace(_ bytes: UnsafeRawBufferPointer, upper: Bool) -> Bool {
    var index = 0
    while index < bytes.count {
        let c = bytes[index]
        if c >= 0x80 {
            guard c == 0xC3, index + 1 < bytes.count else { return false }
            let next = bytes[index + 1]
            if upper && (next == 0x9F || next == 0xBF) { return false }
            index += 2
        } else {
            index += 1
        }
    }
    return true
}

/// The base letter of each Latin-1 letter U+00C0–U+00FF (indexed by its second UTF-8 byte & 0x3F),
/// or 0 where canonical decomposition leaves it whole (Æ, Ð, ×, Ø, Þ, ß, æ, ð, ÷, ø, þ).
let latin1Bases: [UInt8] = Array("AAAAAA\0CEEEEIIII\0NOOOOO\0\0UUUUY\0\0aaaaaa\0ceeeeiiii\0nooooo\0\0uuuuy\0y".utf8)

/// The byte index in UTF-8 `bytes` where scalar number `scalar` (0-based) starts, or the end.
func scalarByteIndex(_ bytes: UnsafeRawBufferPointer, _ scalar: Int) -> Int {
    var seen = 0
    for index in 0..<bytes.count where bytes[index] & 0xC0 != 0x80 {
        if seen == scalar { return index }
        seen += 1
    }
    return bytes.count
}
