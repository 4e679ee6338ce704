import PlazaCore

/// `sum(CASE WHEN c THEN 1 ELSE 0 END)` in a grouped aggregate becomes `count(*) FILTER (WHERE c)`.
///
/// Analysts count conditions this way; the FILTER form needs no CASE result per row (issue 21:
/// q42 434 → 241 ms, Benchmarks/README.md). Equal because a row whose condition is false or NULL
/// adds 0 to the sum and is skipped by the filter, and every group of a GROUP BY has a row, so the
/// sum is never NULL where the count is 0. Not applied without GROUP BY, where an empty input gives NULL against 0.
enum CaseCountRule {
    /// The call rewritten where the pattern applies, else unchanged.
    static func apply(_ call: AggregateCall) -> AggregateCall {
        guard call.function == .sum, !call.isDistinct, call.type == .bigint, call.arguments.count == 1,
            case .caseWhen(let branches, let otherwise?, _) = call.arguments[0], branches.count == 1,
            case .literal(.bigint(1), _) = branches[0].then, case .literal(.bigint(0), _) = otherwise
        else { return call }
        var rewritten = call
        rewritten.function = .countStar
        rewritten.arguments = []
        let condition = branches[0].when
        rewritten.filter =
            call.filter.map { .call(name: .and, arguments: [$0, condition], type: .boolean) } ?? condition
        return rewritten
    }
}
