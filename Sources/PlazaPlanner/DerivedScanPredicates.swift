import PlazaCore

/// Range predicates implied by conjuncts the scan cannot check directly, so blocks can still be
/// skipped by their min/max: `year(d) = 2024` implies `d >= 2024-01-01 AND d < 2025-01-01`, and
/// `s LIKE 'abc%'` implies `s >= 'abc' AND s < 'abd'`. They are hints: the filter stays above.
enum DerivedScanPredicates {
    static func derive(_ conjunct: BoundExpression) -> [ScanPredicate] {
        guard case .call(let function, let arguments, _) = conjunct, arguments.count == 2 else { return [] }
        if function == .like { return likePrefix(arguments) }
        guard function != .notEqual, let mirror = function.mirrored else { return [] }
        if case .call(.year, let inner, _) = arguments[0], case .literal(.bigint(let year), _) = arguments[1] {
            return yearRange(inner[0], function, year)
        }
        if case .call(.year, let inner, _) = arguments[1], case .literal(.bigint(let year), _) = arguments[0] {
            return yearRange(inner[0], mirror, year)
        }
        return []
    }

    /// `year(column) op year` as bounds on the column.
    private static func yearRange(_ argument: BoundExpression, _ op: ScalarFunction, _ year: Int64) -> [ScanPredicate] {
        guard case .column(let index, let type) = argument, type == .date || type == .timestamp,
            (-100_000...100_000).contains(year)
        else { return [] }
        func start(_ y: Int64) -> Value {
            let days = CivilCalendar.days(year: Int(y), month: 1, day: 1)
            return type == .date ? .date(Int32(days)) : .timestamp(Int64(days) * CivilCalendar.microsPerDay)
        }
        func bound(_ comparison: ScanPredicate.Comparison, _ value: Value) -> ScanPredicate {
            ScanPredicate(column: index, comparison: comparison, constants: [value])
        }
        switch op {
        case .equal: return [bound(.greaterOrEqual, start(year)), bound(.less, start(year + 1))]
        case .greaterOrEqual: return [bound(.greaterOrEqual, start(year))]
        case .greater: return [bound(.greaterOrEqual, start(year + 1))]
        case .less: return [bound(.less, start(year))]
        case .lessOrEqual: return [bound(.less, start(year + 1))]
        default: return []
        }
    }

    /// `column LIKE 'prefix…'` as `column >= prefix` and, for an ASCII last byte, `column < prefix+1`.
    private static func likePrefix(_ arguments: [BoundExpression]) -> [ScanPredicate] {
        guard case .column(let index, .varchar) = arguments[0], case .literal(.varchar(let pattern), _) = arguments[1]
        else {
            return []
        }
        var prefix: [UInt8] = []
        var isExact = true
        for byte in pattern.utf8 {
            if byte == UInt8(ascii: "%") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "\\") {
                isExact = false
                break
            }
            prefix.append(byte)
        }
        if isExact { return [ScanPredicate(column: index, comparison: .equal, constants: [.varchar(pattern)])] }
        guard !prefix.isEmpty else { return [] }
        let lower = String(decoding: prefix, as: UTF8.self)
        var result = [ScanPredicate(column: index, comparison: .greaterOrEqual, constants: [.varchar(lower)])]
        if let last = prefix.last, last < 0x7F {
            prefix[prefix.count - 1] = last + 1
            result.append(
                ScanPredicate(
                    column: index, comparison: .less, constants: [.varchar(String(decoding: prefix, as: UTF8.self))]))
        }
        return result
    }
}
