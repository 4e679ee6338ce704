import PlazaCore

/// Every scalar function and operator the binder may emit in `BoundExpression.call`: the single
/// source of truth the executor implements.
///
/// Conventions (DuckDB semantics unless `docs/SQL.md` says otherwise):
/// - Arguments arrive with exactly the types a signature lists: the binder has inserted casts.
///   Comparison, `in`, `coalesce`, `nullif`, `greatest`, `least`, `is_[not_]distinct_from` and the
///   DECIMAL forms of `+ - %` receive arguments of one common type (`commonType`): DECIMALs
///   arrive with the same scale.
/// - Integer overflow in `+ - * negate abs` and in casts is an error, never a wrap.
/// - `/` is always DOUBLE division (IEEE 754: `1/0` is `inf`, `0/0` is `nan`, as DuckDB ≥ 1.1).
///   `%` by zero is NULL for BIGINT and DECIMAL, `nan` for DOUBLE.
/// - Strings compare by their UTF-8 bytes. `length`, `substring` count Unicode scalars.
/// - BETWEEN is rewritten to `>=` AND `<=`; `x NOT LIKE y` to `not(like(x, y))`; `extract(part FROM x)`
///   to the part's function (`year`, `month`, …); simple CASE to searched CASE.
package enum FunctionCatalog {
    /// Every scalar signature, grouped by name; the binder picks the cheapest applicable overload.
    package static let signatures: [FunctionSignature] =
        operators + numericFunctions + textFunctions + dateFunctions + conditionalFunctions

    /// Arithmetic, comparison, logical and text operators.
    package static let operators: [FunctionSignature] = {
        var list: [FunctionSignature] = []
        let b = DataType.bigint, d = DataType.double, date = DataType.date, ts = DataType.timestamp,
            iv = DataType.interval
        for op in ["+", "-"] {
            list.append(.init(op, [.exact(b), .exact(b)], result: .exact(b), notes: "overflow is an error"))
            list.append(.init(op, [.exact(d), .exact(d)], result: .exact(d)))
            list.append(
                .init(
                    op, [.anyDecimal, .anyDecimal], sameType: true, result: .decimalAddSubtract,
                    notes:
                        "both DECIMAL(p,s) of one scale; on unscaled Int64 values; overflow past 18 digits is an error")
            )
            list.append(
                .init(
                    op, [.exact(date), .exact(b)], result: .exact(date),
                    notes: "days added/subtracted; `BIGINT + DATE` is bound with the arguments swapped"))
            list.append(
                .init(
                    op, [.exact(date), .exact(iv)], result: .exact(ts),
                    notes: "the date as midnight, then months (clamped to the month's last day), days and micros"))
            list.append(
                .init(
                    op, [.exact(ts), .exact(iv)], result: .exact(ts),
                    notes: "months (clamped to the month's last day), then days, then micros"))
            list.append(.init(op, [.exact(iv), .exact(iv)], result: .exact(iv), notes: "field by field"))
        }
        list.append(.init("-", [.exact(date), .exact(date)], result: .exact(b), notes: "days between"))
        list.append(
            .init(
                "-", [.exact(ts), .exact(ts)], result: .exact(iv),
                notes: "micros between, as INTERVAL(0 months, 0 days, µs)"))
        list.append(.init("*", [.exact(b), .exact(b)], result: .exact(b), notes: "overflow is an error"))
        list.append(.init("*", [.exact(d), .exact(d)], result: .exact(d)))
        list.append(
            .init(
                "*", [.exact(iv), .exact(b)], result: .exact(iv),
                notes: "each field times the factor; out of range is an error; `BIGINT * INTERVAL` is bound swapped"))
        list.append(
            .init(
                "*", [.anyDecimal, .anyDecimal], result: .decimalMultiply,
                notes:
                    "unscaled values multiplied, scale s1+s2 (≤ 18, else the binder uses DOUBLE); overflow is an error")
        )
        list.append(
            .init(
                "/", [.exact(d), .exact(d)], result: .exact(d),
                notes: "every numeric division is DOUBLE (BIGINT and DECIMAL arguments are cast); x/0 is ±inf or nan"))
        list.append(
            .init("%", [.exact(b), .exact(b)], result: .exact(b), notes: "sign of the dividend; x % 0 is NULL"))
        list.append(.init("%", [.exact(d), .exact(d)], result: .exact(d), notes: "fmod; x % 0 is nan"))
        list.append(
            .init(
                "%", [.anyDecimal, .anyDecimal], sameType: true, result: .firstArgument,
                notes: "remainder of unscaled values of one scale; x % 0 is NULL"))
        for type in [b, d, iv] {
            list.append(.init("negate", [.exact(type)], result: .exact(type), notes: "negating Int64.min is an error"))
        }
        list.append(.init("negate", [.anyDecimal], result: .firstArgument))
        for op in ["=", "<>", "<", "<=", ">", ">="] {
            list.append(
                .init(
                    op, [.any, .any], sameType: true, result: .exact(.boolean),
                    notes:
                        "one common type; VARCHAR by bytes; BOOLEAN false < true; DOUBLE: nan equals nan and sorts above inf"
                ))
        }
        list.append(
            .init(
                "and", [.exact(.boolean), .exact(.boolean)], variadic: true, result: .exact(.boolean),
                nulls: .threeValued,
                notes: "n-ary: false if any false, else NULL if any NULL, else true"))
        list.append(
            .init(
                "or", [.exact(.boolean), .exact(.boolean)], variadic: true, result: .exact(.boolean),
                nulls: .threeValued,
                notes: "n-ary: true if any true, else NULL if any NULL, else false"))
        list.append(.init("not", [.exact(.boolean)], result: .exact(.boolean)))
        list.append(.init("is_null", [.any], result: .exact(.boolean), nulls: .neverNull))
        list.append(.init("is_not_null", [.any], result: .exact(.boolean), nulls: .neverNull))
        list.append(
            .init(
                "is_distinct_from", [.any, .any], sameType: true, result: .exact(.boolean), nulls: .neverNull,
                notes: "like <> but NULL equals NULL"))
        list.append(
            .init(
                "is_not_distinct_from", [.any, .any], sameType: true, result: .exact(.boolean), nulls: .neverNull,
                notes: "like = but NULL equals NULL"))
        list.append(
            .init(
                "in", [.any, .any], variadic: true, sameType: true, result: .exact(.boolean), nulls: .threeValued,
                notes: "needle first, then the list; NULL if the needle is NULL, or no match and the list holds a NULL")
        )
        list.append(
            .init(
                "like", [.exact(.varchar), .exact(.varchar)], result: .exact(.boolean),
                notes: "`%` any run, `_` one character, `\\` escapes; whole-string match, case-sensitive"))
        list.append(
            .init(
                "ilike", [.exact(.varchar), .exact(.varchar)], result: .exact(.boolean),
                notes: "as like, case-insensitive (Unicode simple case folding)"))
        list.append(
            .init(
                "||", [.anyAsText, .anyAsText], result: .exact(.varchar), notes: "concatenation; NULL if either is NULL"
            ))
        return list
    }()

    /// Numeric functions.
    package static let numericFunctions: [FunctionSignature] = {
        var list: [FunctionSignature] = []
        let b = DataType.bigint, d = DataType.double
        list.append(.init("abs", [.exact(b)], result: .exact(b), notes: "abs(Int64.min) is an error"))
        list.append(.init("abs", [.exact(d)], result: .exact(d)))
        list.append(.init("abs", [.anyDecimal], result: .firstArgument))
        list.append(.init("round", [.exact(b)], result: .exact(b)))
        list.append(
            .init(
                "round", [.exact(b), .exact(b)], result: .exact(b), constants: [1],
                notes: "negative digits round to tens, hundreds…, half away from zero"))
        list.append(.init("round", [.exact(d)], result: .exact(d), notes: "half away from zero"))
        list.append(
            .init(
                "round", [.exact(d), .exact(b)], result: .exact(d), notes: "to n decimal places, half away from zero"))
        list.append(.init("round", [.anyDecimal], result: .decimalScaleZero, notes: "half away from zero"))
        list.append(
            .init(
                "round", [.anyDecimal, .exact(b)], result: .decimalRound, constants: [1],
                notes: "to n places (constant), half away from zero; the result keeps min(n, s) places (0 when n < 0)"))
        for name in ["floor", "ceil"] {
            list.append(.init(name, [.exact(b)], result: .exact(b)))
            list.append(.init(name, [.exact(d)], result: .exact(d)))
            list.append(.init(name, [.anyDecimal], result: .decimalScaleZero))
        }
        list.append(.init("sqrt", [.exact(d)], result: .exact(d), notes: "a negative argument is an error"))
        list.append(.init("ln", [.exact(d)], result: .exact(d), notes: "zero or a negative argument is an error"))
        list.append(.init("log10", [.exact(d)], result: .exact(d), notes: "zero or a negative argument is an error"))
        list.append(.init("power", [.exact(d), .exact(d)], result: .exact(d), notes: "also spelled pow"))
        return list
    }()

    /// Text functions (VARCHAR is UTF-8; character positions count Unicode scalars).
    package static let textFunctions: [FunctionSignature] = {
        let v = DataType.varchar, b = DataType.bigint
        return [
            .init("lower", [.exact(v)], result: .exact(v), notes: "Unicode lower case"),
            .init("upper", [.exact(v)], result: .exact(v), notes: "Unicode upper case"),
            .init("length", [.exact(v)], result: .exact(b), notes: "number of Unicode scalars"),
            .init("trim", [.exact(v)], result: .exact(v), notes: "removes spaces at both ends"),
            .init(
                "trim", [.exact(v), .exact(v)], result: .exact(v),
                notes: "removes any of the characters of the second argument at both ends"),
            .init("ltrim", [.exact(v)], result: .exact(v)),
            .init("ltrim", [.exact(v), .exact(v)], result: .exact(v)),
            .init("rtrim", [.exact(v)], result: .exact(v)),
            .init("rtrim", [.exact(v), .exact(v)], result: .exact(v)),
            .init("substring", [.exact(v), .exact(b)], result: .exact(v), notes: "from a 1-based start to the end"),
            .init(
                "substring", [.exact(v), .exact(b), .exact(b)], result: .exact(v),
                notes:
                    "1-based start, length in characters; out-of-range parts give the empty string; negative length is an error"
            ),
            .init(
                "replace", [.exact(v), .exact(v), .exact(v)], result: .exact(v),
                notes: "every occurrence; an empty search string changes nothing"),
            .init(
                "concat", [.anyAsText], variadic: true, result: .exact(v), nulls: .skipsNulls,
                notes: "NULL arguments are skipped; the result is never NULL ('' when all are NULL)"),
            .init("starts_with", [.exact(v), .exact(v)], result: .exact(.boolean)),
            .init("contains", [.exact(v), .exact(v)], result: .exact(.boolean)),
            .init(
                "split_part", [.exact(v), .exact(v), .exact(b)], result: .exact(v),
                notes: "1-based part; out of range gives ''; negative counts from the end"),
            .init(
                "strip_accents", [.exact(v)], result: .exact(v),
                notes: "removes combining marks after canonical decomposition"),
            .init(
                "regexp_matches", [.exact(v), .exact(v)], result: .exact(.boolean),
                notes: "true if the pattern matches anywhere; an invalid pattern is an error"),
        ]
    }()

    /// Date and time functions; `extract(part FROM x)` becomes the part's function.
    package static let dateFunctions: [FunctionSignature] = {
        var list: [FunctionSignature] = []
        let b = DataType.bigint, v = DataType.varchar, date = DataType.date, ts = DataType.timestamp
        for part in ["year", "quarter", "month", "week", "day", "dayofweek", "dayofyear"] {
            list.append(.init(part, [.exact(date)], result: .exact(b), notes: partNotes[part] ?? ""))
            list.append(.init(part, [.exact(ts)], result: .exact(b), notes: partNotes[part] ?? ""))
        }
        for part in ["hour", "minute", "second"] {
            list.append(
                .init(part, [.exact(ts)], result: .exact(b), notes: "a DATE argument is cast to TIMESTAMP (midnight)"))
        }
        list.append(
            .init(
                "date_trunc", [.exact(v), .exact(date)], result: .exact(date), constants: [0],
                notes: "part: year, quarter, month, week (Monday), day; a finer part leaves the date unchanged"))
        list.append(
            .init(
                "date_trunc", [.exact(v), .exact(ts)], result: .exact(ts), constants: [0],
                notes: "part: year, quarter, month, week (Monday), day, hour, minute, second"))
        list.append(
            .init(
                "date_diff", [.exact(v), .exact(date), .exact(date)], result: .exact(b), constants: [0],
                notes: "number of part boundaries crossed from the second to the third argument (DuckDB date_diff)"))
        list.append(
            .init(
                "date_diff", [.exact(v), .exact(ts), .exact(ts)], result: .exact(b), constants: [0],
                notes: "number of part boundaries crossed from the second to the third argument"))
        list.append(
            .init(
                "strftime", [.exact(date), .exact(v)], result: .exact(v),
                notes: "C-style format: %Y %m %d %H %M %S %f %y %b %B %a %A %j %%; an unknown specifier is an error"))
        list.append(.init("strftime", [.exact(ts), .exact(v)], result: .exact(v)))
        list.append(
            .init(
                "strptime", [.exact(v), .exact(v)], result: .exact(ts),
                notes: "text that does not match the format is an error (TRY_CAST-like NULL is not offered)"))
        list.append(
            .init(
                "make_date", [.exact(b), .exact(b), .exact(b)], result: .exact(date),
                notes: "year, month, day; an invalid date is an error"))
        list.append(
            .init(
                "current_date", [], result: .exact(date), nulls: .neverNull,
                notes: "the UTC date when the query starts, the same for every row"))
        return list
    }()

    /// Conditional functions.
    package static let conditionalFunctions: [FunctionSignature] = [
        .init(
            "coalesce", [.any], variadic: true, sameType: true, result: .firstArgument, nulls: .skipsNulls,
            notes: "the first non-NULL argument"),
        .init(
            "nullif", [.any, .any], sameType: true, result: .firstArgument, nulls: .special,
            notes: "NULL if a = b, else a (NULL when a is NULL)"),
        .init(
            "error", [.exact(.varchar)], result: .exact(.null), nulls: .special,
            notes: "fails the query with the text as its message when a row reaches it (as DuckDB)"),
        .init(
            "greatest", [.any], variadic: true, sameType: true, result: .firstArgument, nulls: .skipsNulls,
            notes: "largest non-NULL argument, NULL only if all are NULL"),
        .init(
            "least", [.any], variadic: true, sameType: true, result: .firstArgument, nulls: .skipsNulls,
            notes: "smallest non-NULL argument, NULL only if all are NULL"),
    ]

    /// Notes for the calendar parts.
    static let partNotes: [String: String] = [
        "quarter": "1–4",
        "week": "ISO 8601 week number, 1–53 (weeks start on Monday)",
        "dayofweek": "0 = Sunday … 6 = Saturday",
        "dayofyear": "1–366",
    ]

    /// Spellings accepted for `extract(part FROM x)` and `date_part`, mapped to the function name.
    package static let extractParts: [String: String] = [
        "year": "year", "years": "year", "y": "year", "quarter": "quarter", "month": "month", "months": "month",
        "week": "week", "weeks": "week", "day": "day", "days": "day", "d": "day",
        "dayofweek": "dayofweek", "dow": "dayofweek", "weekday": "dayofweek",
        "dayofyear": "dayofyear", "doy": "dayofyear",
        "hour": "hour", "hours": "hour", "minute": "minute", "minutes": "minute", "second": "second",
        "seconds": "second",
    ]

    /// The parts `date_trunc` and `date_diff` accept (their constant first argument, lower-cased by the binder).
    package static let truncationParts: Set<String> = [
        "year", "quarter", "month", "week", "day", "hour", "minute", "second",
    ]

    /// Other SQL spellings of function names, mapped to the catalogue's name.
    package static let aliases: [String: String] = [
        "pow": "power", "ceiling": "ceil", "substr": "substring", "char_length": "length",
        "datediff": "date_diff", "datetrunc": "date_trunc",
        "dayofmonth": "day", "weekofyear": "week", "today": "current_date",
        "prefix": "starts_with",
    ]

    /// The overloads named `name`.
    package static func signatures(named name: String) -> [FunctionSignature] {
        signaturesByName[name] ?? []
    }

    /// Whether `name` (after aliasing) is a scalar function or operator of the catalogue.
    package static func isScalarFunction(_ name: String) -> Bool { signaturesByName[name] != nil }

    private static let signaturesByName: [String: [FunctionSignature]] = Dictionary(grouping: signatures, by: \.name)
}
