import PlazaCore

extension WindowCall {
    /// The call with `transform` applied to every expression it reads (arguments, filter, keys).
    func mapExpressions(_ transform: (BoundExpression) -> BoundExpression) -> WindowCall {
        var copy = self
        copy.arguments = arguments.map(transform)
        copy.filter = filter.map(transform)
        copy.partitionBy = partitionBy.map(transform)
        copy.orderBy = orderBy.map {
            SortKey(expression: transform($0.expression), isDescending: $0.isDescending, nullsFirst: $0.nullsFirst)
        }
        return copy
    }

    /// The input columns the call reads.
    var columns: Set<Int> {
        var result = Set<Int>()
        _ = mapExpressions { expression in
            result.formUnion(PlanUtilities.columns(of: expression))
            return expression
        }
        return result
    }
}

extension Optimizer {
    /// A window call with its expressions folded.
    static func foldWindowCall(_ call: WindowCall) -> WindowCall {
        call.mapExpressions(fold)
    }
}

extension ProjectionPruning {
    /// Prunes a window node: unread calls go, and the input keeps the columns the rest reads.
    static func pruneWindow(_ input: LogicalPlan, _ calls: [WindowCall], _ fields: [Field], _ required: Set<Int>)
        -> (plan: LogicalPlan, map: [Int: Int])
    {
        let inputCount = input.fields.count
        let keptCalls = calls.indices.filter { required.contains(inputCount + $0) }
        var needed = Set(required.filter { $0 < inputCount })
        for index in keptCalls { needed.formUnion(calls[index].columns) }
        if keptCalls.isEmpty {
            // Nothing reads a window result: the node only passes its input through.
            let (newInput, map) = prune(input, needed)
            return (newInput, map)
        }
        let (newInput, inputMap) = prune(input, needed)
        let newCount = newInput.fields.count
        var map = inputMap
        for (position, index) in keptCalls.enumerated() { map[inputCount + index] = newCount + position }
        let newCalls = keptCalls.map { calls[$0].mapExpressions { remap($0, inputMap) } }
        let newFields = newInput.fields + keptCalls.map { fields[inputCount + $0] }
        return (.window(input: newInput, calls: newCalls, fields: newFields), map)
    }
}
