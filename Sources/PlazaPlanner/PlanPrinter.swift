import PlazaCore

/// Renders a logical plan as an indented tree for EXPLAIN, one operator per line:
/// ```
/// Project [colonia, count_star()]
///   Aggregate groups=[colonia] aggregates=[count_star()]
///     Scan reportes columns=[colonia]
/// ```
package enum PlanPrinter {
    /// The plan as text, children indented by two spaces under their parent.
    package static func explain(_ plan: LogicalPlan) -> String {
        var lines: [String] = []
        render(plan, depth: 0, into: &lines)
        return lines.joined(separator: "\n")
    }

    private static func render(_ plan: LogicalPlan, depth: Int, into lines: inout [String]) {
        let indent = String(repeating: "  ", count: depth)
        switch plan {
        case .scan(let scan):
            var line = "Scan \(scan.table) columns=[\(scan.fields.map(\.name).joined(separator: ", "))]"
            if !scan.pruningPredicates.isEmpty {
                line +=
                    " pruning=[" + scan.pruningPredicates.map { describe($0, scan.fields) }.joined(separator: ", ")
                    + "]"
            }
            lines.append(indent + line)
        case .values(let rows, let fields):
            lines.append(indent + "Values rows=\(rows.count) columns=[\(fields.map(\.name).joined(separator: ", "))]")
        case .series(let series):
            let step = series.interval.map { "INTERVAL '\($0)'" } ?? String(series.step)
            let bound = series.includesStop ? "through" : "before"
            let text = { (v: Int64) in series.field.type == .timestamp ? formatTimestamp(v) : String(v) }
            lines.append(
                indent
                    + "Series \(series.field.name) from \(text(series.start)) \(bound) \(text(series.stop)) by \(step) rows≈\(series.estimatedRows)"
            )
        case .filter(let input, let predicate):
            lines.append(indent + "Filter " + describe(predicate, input.fields))
            render(input, depth: depth + 1, into: &lines)
        case .project(let input, let expressions, let fields):
            let items = zip(expressions, fields).map { expression, field in
                let text = describe(expression, input.fields)
                return text == field.name ? text : "\(text) AS \(field.name)"
            }
            lines.append(indent + "Project [" + items.joined(separator: ", ") + "]")
            render(input, depth: depth + 1, into: &lines)
        case .aggregate(let input, let groups, let aggregates, _):
            let groupText = groups.map { describe($0, input.fields) }.joined(separator: ", ")
            let aggregateText = aggregates.map { describe($0, input.fields) }.joined(separator: ", ")
            lines.append(indent + "Aggregate groups=[\(groupText)] aggregates=[\(aggregateText)]")
            render(input, depth: depth + 1, into: &lines)
        case .join(let join):
            let combined = join.left.fields + join.right.fields
            var line = "Join \(join.kind.rawValue.uppercased())"
            let keys = zip(join.leftKeys, join.rightKeys).map {
                describe($0, join.left.fields) + " = " + describe($1, join.right.fields)
            }
            if !keys.isEmpty { line += " keys=[" + keys.joined(separator: ", ") + "]" }
            if let residual = join.residual { line += " residual=" + describe(residual, combined) }
            if keys.isEmpty && join.kind != .semi && join.kind != .anti {
                // No key to hash: every pair of rows is tried.
                line += " nested_loop pairs≈\(join.estimatedPairs)"
            }
            lines.append(indent + line)
            render(join.left, depth: depth + 1, into: &lines)
            render(join.right, depth: depth + 1, into: &lines)
        case .sort(let input, let keys):
            let text = keys.map { key in
                describe(key.expression, input.fields) + (key.isDescending ? " DESC" : " ASC")
                    + (key.nullsFirst ? " NULLS FIRST" : " NULLS LAST")
            }
            lines.append(indent + "Sort [" + text.joined(separator: ", ") + "]")
            render(input, depth: depth + 1, into: &lines)
        case .limit(let input, let limit, let offset):
            lines.append(
                indent + "Limit " + (limit.map(String.init) ?? "ALL") + (offset > 0 ? " OFFSET \(offset)" : ""))
            render(input, depth: depth + 1, into: &lines)
        case .distinct(let input):
            lines.append(indent + "Distinct")
            render(input, depth: depth + 1, into: &lines)
        case .window(let input, let calls, _):
            lines.append(indent + "Window [" + calls.map { $0.description(input.fields) }.joined(separator: ", ") + "]")
            render(input, depth: depth + 1, into: &lines)
        case .setOperation(let operation):
            lines.append(
                indent
                    + "SetOperation \(operation.keywords) columns=[\(operation.fields.map(\.name).joined(separator: ", "))]"
            )
            render(operation.left, depth: depth + 1, into: &lines)
            render(operation.right, depth: depth + 1, into: &lines)
        case .cteScan(let reference):
            let columns = " columns=[\(reference.fields.map(\.name).joined(separator: ", "))]"
            if reference.isWorkingTable {
                lines.append(indent + "WorkingTable \(reference.name)" + columns)
            } else {
                lines.append(indent + "CTEScan \(reference.name) #\(reference.id)" + columns)
            }
        case .materializedCTE(let cte):
            // The definition once, then the query whose CTEScans read its rows.
            let columns = cte.definition.fields.map(\.name).joined(separator: ", ")
            lines.append(indent + "MaterializedCTE \(cte.name) #\(cte.id) columns=[\(columns)]")
            render(cte.definition, depth: depth + 1, into: &lines)
            render(cte.body, depth: depth, into: &lines)
        case .recursiveCTE(let cte):
            let columns = cte.fields.map(\.name).joined(separator: ", ")
            lines.append(
                indent + "RecursiveCTE \(cte.name) \(cte.isUnionAll ? "UNION ALL" : "UNION") columns=[\(columns)]")
            render(cte.anchor, depth: depth + 1, into: &lines)
            render(cte.recursive, depth: depth + 1, into: &lines)
        }
    }

    /// ` reads CTEScan name #n` for each computed CTE a subquery's plan reads (the plan itself is
    /// not printed, so EXPLAIN still shows every reference to a CTE computed once).
    private static func cteReads(_ plan: LogicalPlan) -> String {
        var names: [String] = []
        func collect(_ node: LogicalPlan) -> LogicalPlan {
            if case .cteScan(let reference) = node, !reference.isWorkingTable {
                let name = "\(reference.name) #\(reference.id)"
                if !names.contains(name) { names.append(name) }
            }
            return node.mapInputs(collect)
        }
        _ = collect(plan)
        return names.map { " reads CTEScan " + $0 }.joined()
    }

    /// An aggregate call as text: `sum(DISTINCT x) FILTER (WHERE …)`.
    static func describe(_ call: AggregateCall, _ fields: [Field]) -> String {
        var arguments = call.arguments.map { describe($0, fields) }
        arguments += call.constants.map { quoteIfText($0) }
        var text =
            call.function.rawValue + "(" + (call.isDistinct ? "DISTINCT " : "") + arguments.joined(separator: ", ")
            + ")"
        if let filter = call.filter { text += " FILTER (WHERE " + describe(filter, fields) + ")" }
        return text
    }

    static func describe(_ predicate: ScanPredicate, _ fields: [Field]) -> String {
        let name = predicate.column < fields.count ? fields[predicate.column].name : "#\(predicate.column)"
        switch predicate.comparison {
        case .isNull, .isNotNull: return "\(name) \(predicate.comparison.rawValue)"
        case .inList: return "\(name) IN (" + predicate.constants.map(quoteIfText).joined(separator: ", ") + ")"
        default: return "\(name) \(predicate.comparison.rawValue) \(quoteIfText(predicate.constants.first ?? .null))"
        }
    }

    /// A constant as SQL text: strings and temporal values in quotes.
    static func quoteIfText(_ value: Value) -> String {
        switch value {
        case .varchar(let s): return "'" + s + "'"
        case .date, .timestamp, .interval: return "'\(value)'"
        default: return value.description
        }
    }

    /// A bound expression as text, columns by their input names.
    package static func describe(_ expression: BoundExpression, _ fields: [Field]) -> String {
        switch expression {
        case .column(let index, _): return index >= 0 && index < fields.count ? fields[index].name : "#\(index)"
        case .literal(let value, _): return quoteIfText(value)
        case .cast(let inner, let type, let isTry):
            return (isTry ? "TRY_CAST(" : "CAST(") + describe(inner, fields) + " AS \(type))"
        case .call(let function, let arguments, _):
            let name = function.rawValue
            let parts = arguments.map { describe($0, fields) }
            if name.first.map({ !$0.isLetter }) ?? false, parts.count == 2 {
                return "(" + parts[0] + " " + name + " " + parts[1] + ")"
            }
            if name == "and" || name == "or" { return "(" + parts.joined(separator: " \(name.uppercased()) ") + ")" }
            return name + "(" + parts.joined(separator: ", ") + ")"
        case .caseWhen(let branches, let otherwise, _):
            var text = "CASE"
            for branch in branches {
                text += " WHEN " + describe(branch.when, fields) + " THEN " + describe(branch.then, fields)
            }
            if let otherwise { text += " ELSE " + describe(otherwise, fields) }
            return text + " END"
        case .scalarSubquery(let plan, _): return "(subquery: \(plan.fields.first?.name ?? "?")\(cteReads(plan)))"
        case .inSubquery(let needle, let plan, let negated):
            return describe(needle, fields) + (negated ? " NOT IN" : " IN") + " (subquery\(cteReads(plan)))"
        }
    }
}
