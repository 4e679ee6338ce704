import PlazaCore
import PlazaSQL

/// The window functions of one SELECT being bound, and its grouping sets.
///
/// A window call binds to a placeholder column `placeholderBase - k` until the `window` node
/// exists; then placeholders become the node's output columns.
final class WindowCollector {
    /// Placeholders are at or below this index (aggregate placeholders are -1, -2, …).
    static let placeholderBase = -1_000_000
    /// The calls, deduplicated, over the SELECT's input (or the aggregate's input before lifting).
    var calls: [WindowCall] = []
    /// Output names of the calls.
    var names: [String] = []
    /// `WINDOW name AS (…)` definitions by lower-cased name.
    let definitions: [String: WindowDefinition]
    /// The clause being bound when windows are not allowed there (HAVING), or nil.
    var forbiddenClause: String?
    /// Whether a window call's parts are being bound (a window inside one is nested).
    var isBindingCall = false
    /// With grouping sets: the grouping-set id column of the aggregate's input and the sets
    /// (as positions in the groups); nil without.
    var groupingSetColumn: Int?
    var groupingSets: [[Int]] = []
    /// Select-list aliases and their expressions (grouping() may name a key by its alias).
    var aliases: [(name: String, expression: Expression)] = []
    /// The GROUP BY keys over the aggregate's input (grouping() arguments must be among them).
    var groupKeys: [BoundExpression] = []

    init(definitions: [WindowDefinition]) throws(BindError) {
        var table: [String: WindowDefinition] = [:]
        for definition in definitions { table[definition.name.name.lowercased()] = definition }
        self.definitions = table
    }

    /// Whether `index` is a window placeholder.
    static func isPlaceholder(_ index: Int) -> Bool { index <= placeholderBase }

    /// The index of `call`, adding it if new.
    func add(_ call: WindowCall, name: String) -> Int {
        if let existing = calls.firstIndex(of: call) { return existing }
        calls.append(call)
        names.append(name)
        return calls.count - 1
    }
}

extension BindingSession {
    /// Binds `f(…) OVER (…)` or `grouping(…)`; nil for any other call.
    func bindWindowOrGrouping(_ call: FunctionCall, span: SourceSpan, scope: Scope, context: ExpressionContext)
        throws(BindError) -> BoundExpression?
    {
        let written = call.name.name.lowercased()
        if call.window == nil, written == "grouping" || written == "grouping_id" {
            return try bindGrouping(call, span: span, scope: scope, context: context)
        }
        guard let window = call.window else {
            if let treatment = call.ignoresNulls {
                throw BindError(
                    "\(treatment ? "IGNORE" : "RESPECT") NULLS needs a window function with OVER", span: span)
            }
            if WindowCollector.windowOnlyNames.contains(written) {
                throw BindError("\(written) is a window function and needs OVER (…)", span: call.name.span)
            }
            return nil
        }
        guard let collector = windows else {
            if case .plain(let clause) = context {
                throw BindError("window functions are not allowed in \(clause)", span: call.name.span)
            }
            throw BindError("window functions are not allowed here", span: call.name.span)
        }
        if collector.isBindingCall {
            throw BindError("window functions cannot be nested", span: call.name.span)
        }
        switch context {
        case .plain(let clause) where clause == "aggregate":
            throw BindError("window functions are not allowed inside aggregate functions", span: call.name.span)
        case .plain(let clause) where clause != "SELECT" && clause != "ORDER BY" && clause != "QUALIFY":
            throw BindError(
                "window functions are not allowed in \(clause); filter on them with QUALIFY", span: call.name.span)
        case .aggregating where collector.forbiddenClause != nil:
            throw BindError(
                "window functions are not allowed in \(collector.forbiddenClause!); filter on them with QUALIFY",
                span: call.name.span)
        default: break
        }
        collector.isBindingCall = true
        defer { collector.isBindingCall = false }
        let specification = try resolve(window, collector)
        var partitionBy: [BoundExpression] = []
        for key in specification.partitionBy {
            partitionBy.append(try bindExpression(key, in: scope, context: context))
        }
        var orderBy: [SortKey] = []
        for item in specification.orderBy {
            let key = try bindExpression(item.expression, in: scope, context: context)
            orderBy.append(
                SortKey(expression: key, isDescending: item.isDescending, nullsFirst: item.nullsFirst ?? false))
        }
        var bound = try bindWindowFunction(call, span: span, scope: scope, context: context)
        bound.partitionBy = partitionBy
        bound.orderBy = orderBy
        bound.frame = try bindFrame(specification.frame, orderBy: orderBy, specification: specification)
        let index = collector.add(bound, name: BindingSession.name(of: Expression(.function(call), span: span)))
        return .column(index: WindowCollector.placeholderBase - index, type: bound.type)
    }

    /// The specification with its named base window merged in (PARTITION BY from the base, ORDER BY and
    /// frame from whichever writes them).
    private func resolve(_ specification: WindowSpecification, _ collector: WindowCollector, depth: Int = 0)
        throws(BindError) -> WindowSpecification
    {
        guard let baseName = specification.baseName else { return specification }
        guard depth < 32, let definition = collector.definitions[baseName.name.lowercased()] else {
            throw BindError(
                "unknown window \"\(baseName.name)\""
                    + Scope.suggestion(
                        for: baseName.name, among: collector.definitions.values.map(\.name.name)),
                span: baseName.span)
        }
        let base = try resolve(definition.specification, collector, depth: depth + 1)
        var merged = specification
        merged.baseName = nil
        if !specification.partitionBy.isEmpty {
            throw BindError(
                "a window that refines \"\(baseName.name)\" cannot have its own PARTITION BY",
                span: specification.partitionBy[0].span)
        }
        merged.partitionBy = base.partitionBy
        if !base.orderBy.isEmpty {
            if !specification.orderBy.isEmpty {
                throw BindError(
                    "window \"\(baseName.name)\" already has an ORDER BY",
                    span: specification.orderBy[0].expression.span)
            }
            merged.orderBy = base.orderBy
        }
        if let frame = base.frame {
            if specification.frame != nil {
                throw BindError("window \"\(baseName.name)\" already has a frame", span: specification.frame!.span)
            }
            merged.frame = frame
        }
        return merged
    }

    /// The frame, with SQL's default when none is written; offsets must be non-negative constants.
    private func bindFrame(_ frame: WindowFrame?, orderBy: [SortKey], specification: WindowSpecification)
        throws(BindError) -> BoundWindowFrame
    {
        guard let frame else { return orderBy.isEmpty ? .wholePartition : .defaultWithOrder }
        let unit = BoundWindowFrame.Unit(rawValue: frame.unit.rawValue)!
        func bound(_ bound: FrameBound) throws(BindError) -> BoundFrameBound {
            switch bound {
            case .unboundedPreceding: return .unboundedPreceding
            case .unboundedFollowing: return .unboundedFollowing
            case .currentRow: return .currentRow
            case .preceding(let offset): return .preceding(try frameOffset(offset, unit: unit, orderBy: orderBy))
            case .following(let offset): return .following(try frameOffset(offset, unit: unit, orderBy: orderBy))
            }
        }
        if unit == .groups && orderBy.isEmpty {
            throw BindError("a GROUPS frame needs ORDER BY in its window", span: frame.span)
        }
        return BoundWindowFrame(unit: unit, start: try bound(frame.start), end: try bound(frame.end))
    }

    /// A frame offset: a non-negative integer for ROWS and GROUPS; for RANGE, a non-negative
    /// constant of the (single, numeric) ORDER BY key's type.
    private func frameOffset(_ offset: Expression, unit: BoundWindowFrame.Unit, orderBy: [SortKey])
        throws(BindError) -> Value
    {
        let bound: BoundExpression
        do {
            bound = Optimizer.fold(
                try bindExpression(offset, in: Scope(columns: []), context: .plain("a frame offset")))
        } catch {
            throw BindError("a frame offset must be a constant (\(error.message))", span: offset.span)
        }
        guard case .literal(let value, let type) = bound else {
            throw BindError("a frame offset must be a constant", span: offset.span)
        }
        if value.isNull { throw BindError("a frame offset cannot be NULL", span: offset.span) }
        if unit != .range {
            guard case .bigint(let n) = value else {
                throw BindError("a \(unit.rawValue) frame offset must be an integer, not \(type)", span: offset.span)
            }
            guard n >= 0 else { throw BindError("a frame offset cannot be negative", span: offset.span) }
            return value
        }
        guard orderBy.count == 1 else {
            throw BindError("a RANGE frame with an offset needs exactly one ORDER BY key", span: offset.span)
        }
        let keyType = orderBy[0].expression.type
        if keyType == .date || keyType == .timestamp {
            return try Self.temporalRangeOffset(value, type, key: keyType, span: offset.span)
        }
        guard keyType.isNumeric, type.isNumeric else {
            throw BindError(
                "a RANGE frame offset needs a numeric ORDER BY key and a numeric offset (key: \(keyType), offset: \(type))",
                span: offset.span)
        }
        guard let result = Self.rangeOffset(value, as: keyType) else {
            throw BindError("the frame offset does not fit the ORDER BY key's type \(keyType)", span: offset.span)
        }
        let isNegative: Bool
        switch result {
        case .bigint(let n), .decimal(let n, _): isNegative = n < 0
        case .double(let d): isNegative = d < 0 || d.isNaN
        default: isNegative = false
        }
        if isNegative { throw BindError("a frame offset cannot be negative", span: offset.span) }
        return result
    }
}

extension BindingSession {
    /// A numeric offset in the representation of the ORDER BY key's type, or nil when it does not fit.
    static func rangeOffset(_ value: Value, as keyType: DataType) -> Value? {
        let asDouble: Double
        switch value {
        case .bigint(let n): asDouble = Double(n)
        case .double(let d): asDouble = d
        case .decimal(let n, let scale): asDouble = Double(n) / Double(powersOfTen[scale])
        default: return nil
        }
        switch keyType {
        case .double: return .double(asDouble)
        case .bigint:
            if case .bigint = value { return value }
            guard asDouble == asDouble.rounded(), abs(asDouble) < 9.0e18 else { return nil }
            return .bigint(Int64(asDouble))
        case .decimal(_, let scale):
            if case .decimal(let n, let s) = value, s <= scale {
                let (scaled, overflow) = n.multipliedReportingOverflow(by: powersOfTen[scale - s])
                return overflow ? nil : .decimal(scaled, scale: scale)
            }
            if case .bigint(let n) = value {
                let (scaled, overflow) = n.multipliedReportingOverflow(by: powersOfTen[scale])
                return overflow ? nil : .decimal(scaled, scale: scale)
            }
            let scaled = (asDouble * Double(powersOfTen[scale])).rounded()
            guard abs(scaled) < 9.0e18 else { return nil }
            return .decimal(Int64(scaled), scale: scale)
        default: return nil
        }
    }
}

extension BindingSession {
    /// A RANGE offset over a DATE or TIMESTAMP key: an INTERVAL, or (DATE keys, as DuckDB) a
    /// whole number of days; returned as a non-negative INTERVAL.
    static func temporalRangeOffset(_ value: Value, _ type: DataType, key: DataType, span: SourceSpan)
        throws(BindError) -> Value
    {
        let interval: Interval
        switch value {
        case .interval(let v): interval = v
        case .bigint(let days) where key == .date:
            guard let d = Int32(exactly: days) else {
                throw BindError("the frame offset \(days) does not fit a number of days", span: span)
            }
            interval = Interval(days: d)
        default:
            throw BindError(
                "a RANGE frame offset over a \(key) ORDER BY key must be an INTERVAL\(key == .date ? " or an integer number of days" : ""), not \(type)",
                span: span)
        }
        guard interval.months >= 0, interval.days >= 0, interval.micros >= 0 else {
            throw BindError("a frame offset cannot be negative", span: span)
        }
        return .interval(interval)
    }
}

extension WindowCollector {
    /// Names that are only window functions (a call without OVER is an error).
    static let windowOnlyNames: Set<String> = [
        "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead", "first_value",
        "last_value", "nth_value",
    ]
}

extension BindingSession {
    /// Adds the `window` node (and QUALIFY's filter) above `plan` when the SELECT has window
    /// functions, and turns their placeholders into the node's columns.
    func addWindow(
        _ plan: LogicalPlan, _ collector: WindowCollector, space: Space, projections: inout [BoundExpression],
        qualify: BoundExpression?, core: SelectCore, resultsAfter: Int? = nil, partitions: [BoundExpression] = []
    ) throws(BindError) -> LogicalPlan {
        if collector.calls.isEmpty {
            if let condition = core.qualify {
                throw BindError("QUALIFY needs a window function (…) OVER (…)", span: condition.span)
            }
            return plan
        }
        var calls = collector.calls
        if case .aggregated(let aggregation) = space {
            for index in calls.indices {
                var call = calls[index]
                call.arguments = try calls[index].arguments.map { (e) throws(BindError) in
                    try aggregation.lift(e, nil)
                }
                call.filter = try calls[index].filter.map { (e) throws(BindError) in try aggregation.lift(e, nil) }
                call.partitionBy = try calls[index].partitionBy.map { (e) throws(BindError) in
                    try aggregation.lift(e, nil)
                }
                var keys: [SortKey] = []
                for key in calls[index].orderBy {
                    keys.append(
                        SortKey(
                            expression: try aggregation.lift(key.expression, nil), isDescending: key.isDescending,
                            nullsFirst: key.nullsFirst))
                }
                call.orderBy = keys
                calls[index] = call
            }
        }
        for index in calls.indices {
            // A correlated subquery's windows run per row of its domain: D's columns partition them.
            calls[index].partitionBy += partitions
            guard let width = resultsAfter else { continue }
            // Over grouped rows, the subqueries' joined results follow the aggregate's columns.
            let place = { (e: BoundExpression) in SubqueryJoins.placingResults(e, after: width) }
            calls[index].arguments = calls[index].arguments.map(place)
            calls[index].filter = calls[index].filter.map(place)
            calls[index].partitionBy = calls[index].partitionBy.map(place)
            calls[index].orderBy = calls[index].orderBy.map {
                SortKey(expression: place($0.expression), isDescending: $0.isDescending, nullsFirst: $0.nullsFirst)
            }
        }
        let inputFields = plan.fields
        let inputCount = inputFields.count
        let fields =
            inputFields
            + zip(calls, collector.names).map { Field(name: $1, type: $0.type, isNullable: $0.isNullable) }
        let node = LogicalPlan.window(input: plan, calls: calls, fields: fields)
        func resolve(_ expression: BoundExpression) -> BoundExpression {
            PlanUtilities.replaceColumns(expression) { index, type in
                WindowCollector.isPlaceholder(index)
                    ? .column(index: inputCount + (WindowCollector.placeholderBase - index), type: type)
                    : .column(index: index, type: type)
            }
        }
        projections = projections.map(resolve)
        guard let qualify else { return node }
        return .filter(input: node, predicate: resolve(qualify))
    }
}
