import PlazaCore
import PlazaPlanner
import PlazaVector
import Foundation

/// The signature of a scalar kernel: argument vectors (flat, `count` rows) to a result vector.
typealias ScalarKernel = @Sendable ([ColumnVector], Int) throws(ExecutionError) -> ColumnVector

/// A scalar function or operator call: evaluates its arguments, then one kernel chosen at compile time.
final class FunctionNode: ExpressionNode, @unchecked Sendable {
    let type: DataType
    /// The function computed; nil for a cast.
    let name: ScalarFunction?
    let arguments: [ExpressionNode]
    let kernel: ScalarKernel
    /// Whether a NULL argument gives NULL, so the function can run once per dictionary entry and
    /// keep the rows' codes (their NULLs stay NULL).
    let runsOverEntries: Bool
    /// Whether NULL arguments are skipped (`concat`): the function can run once per dictionary entry
    /// and once more for NULL, whose rows get that extra entry's code.
    let skipsNulls: Bool
    /// Whether the kernel never throws for these argument types (see `neverFails`).
    private let kernelNeverFails: Bool
    /// `+ - *` on two DECIMALs whose types prove the result fits (the unchecked kernel): a flat
    /// argument with a dictionary one is computed through the codes, without a flat copy.
    private let codedDecimal: ScalarFunction?
    /// Per argument: a one-row copy of a constant the kernel captured when it was compiled and
    /// never reads (a LIKE pattern, a starts_with or contains needle), passed instead of a copy
    /// per row (12% of `hi LIKE 'Tl%'`); nil for the others.
    private let unreadConstants: [ColumnVector?]
    /// The entries last computed over a few dictionaries (each kept alive beside its result), so
    /// the batches of one row group compute them once and share one result dictionary, which the
    /// aggregates above rank or hash once too.
    private let entryCache = EntryCache()

    init(name: ScalarFunction?, arguments: [ExpressionNode], type: DataType, kernel: @escaping ScalarKernel) {
        self.name = name
        self.arguments = arguments
        self.kernel = kernel
        if let name {
            let signatures = FunctionCatalog.signatures(named: name.rawValue)
            runsOverEntries = !signatures.isEmpty && signatures.allSatisfy { $0.nulls == .propagates }
            skipsNulls = !signatures.isEmpty && signatures.allSatisfy { $0.nulls == .skipsNulls }
        } else {
            runsOverEntries = true  // a cast of NULL is NULL
            skipsNulls = false
        }
        if let name {
            kernelNeverFails = ArithmeticKernels.neverFails(name, arguments.map(\.type))
        } else {
            kernelNeverFails = arguments.count == 1 && CastKernels.neverFails(from: arguments[0].type, to: type)
        }
        unreadConstants = arguments.indices.map { position in
            // Mirrors TextFunctions.kernel: these kernels use their constant's value, not its rows.
            guard position == 1, let name, arguments.count == 2,
                case .varchar(let text)? = arguments[1].constant,
                name == .like || name == .ilike || ((name == .startsWith || name == .contains) && !text.isEmpty)
            else { return nil }
            return GatherKernel.constant(.varchar(text), type: arguments[1].type, count: 1)
        }
        if let name, arguments.count == 2, case .decimal(let p1, _) = arguments[0].type,
            case .decimal(let p2, _) = arguments[1].type, [.add, .subtract, .multiply].contains(name),
            ArithmeticKernels.provenInRange(name, p1, p2)
        {
            codedDecimal = name
        } else {
            codedDecimal = nil
        }
        self.type = type
    }

    var neverFails: Bool { kernelNeverFails && arguments.allSatisfy(\.neverFails) }

    /// `codedDecimal` over a flat vector and a dictionary vector without NULL rows or entries
    /// (`l_extendedprice * (1 - l_discount)`), entries read through the codes; nil where that does not apply.
    private func decimalOverCodes(_ inputs: [ColumnVector], _ count: Int) -> ColumnVector? {
        guard let name = codedDecimal, inputs.count == 2, inputs[0].isDictionary != inputs[1].isDictionary else {
            return nil
        }
        let codedFirst = inputs[0].isDictionary
        let coded = codedFirst ? inputs[0] : inputs[1], flat = codedFirst ? inputs[1] : inputs[0]
        guard let dictionary = coded.dictionary, !coded.hasNulls, !dictionary.hasNulls,
            dictionary.physicalType == .int64, flat.physicalType == .int64
        else { return nil }
        let out = makeOutput(type, count)
        let entries = dictionary.data.assumingMemoryBound(to: Int64.self)
        let codes = coded.data.assumingMemoryBound(to: UInt32.self)
        let values = flat.data.assumingMemoryBound(to: Int64.self)
        let target = out.data.assumingMemoryBound(to: Int64.self)
        // The operand order matters for subtraction only.
        switch (name, codedFirst) {
        case (.add, _): for row in 0..<count { target[row] = values[row] &+ entries[Int(codes[row])] }
        case (.subtract, false): for row in 0..<count { target[row] = values[row] &- entries[Int(codes[row])] }
        case (.subtract, true): for row in 0..<count { target[row] = entries[Int(codes[row])] &- values[row] }
        default: for row in 0..<count { target[row] = values[row] &* entries[Int(codes[row])] }
        }
        propagateNulls([flat], into: out, count: count)
        return out
    }

    func evaluate(_ batch: Batch) throws(ExecutionError) -> ColumnVector {
        try evaluateEncoded(batch).flattened()
    }

    /// Runs the function once per dictionary entry when its one non-constant argument arrives as a
    /// dictionary vector no longer than the batch (`1 - l_discount` over 11 entries, not 2,048 rows).
    func evaluateEncoded(_ batch: Batch) throws(ExecutionError) -> ColumnVector {
        // Constants are expanded to the batch's rows only when the function runs row by row:
        // over dictionary entries they are read as constants.
        var evaluated: [ColumnVector?] = []
        evaluated.reserveCapacity(arguments.count)
        var encoded: Int? = nil
        var othersConstant = true
        for (position, argument) in arguments.enumerated() {
            if argument.constant != nil {
                evaluated.append(nil)
                continue
            }
            let input = try argument.evaluateEncoded(batch)
            if input.isDictionary && encoded == nil {
                encoded = position
            } else {
                othersConstant = false
            }
            evaluated.append(input)
        }
        if runsOverEntries || skipsNulls, othersConstant, let encoded, let input = evaluated[encoded] {
            // With NULLs skipped, a NULL row has a value of its own: one more entry, computed for NULL.
            let nullEntry = skipsNulls && input.hasNulls
            if let dictionary = input.dictionary,
                let entries = try entryCache.entries(
                    of: dictionary, withNull: nullEntry,
                    compute: { overEntries(input, encoded, batch.count, withNull: nullEntry) })
            {
                return EntryCache.coded(entries, codesOf: input, type: type, count: batch.count, nullEntry: nullEntry)
            }
        }
        var inputs: [ColumnVector] = []
        inputs.reserveCapacity(arguments.count)
        for (position, argument) in arguments.enumerated() {
            if let input = evaluated[position] {
                inputs.append(input)
            } else if let placeholder = unreadConstants[position] {
                inputs.append(placeholder)
            } else {
                inputs.append(try argument.evaluateEncoded(batch))
            }
        }
        if let out = decimalOverCodes(inputs, batch.count) { return out }
        for position in inputs.indices where inputs[position].isDictionary {
            inputs[position] = inputs[position].flattened()
        }
        return try kernel(inputs, batch.count)
    }

    /// The function's value for each entry of `input`'s dictionary (argument `encoded`), or nil to compute it
    /// row by row: a dictionary longer than the batch, or an entry that fails or gives NULL (an
    /// entry no row uses must not raise an error, and the row-by-row path names the failing row).
    /// With `withNull`, one more entry follows the dictionary's: the function's value for NULL.
    private func overEntries(_ input: ColumnVector, _ encoded: Int, _ count: Int, withNull: Bool)
        -> ColumnVector?
    {
        guard let dictionary = input.dictionary, dictionary.count > 0, dictionary.count <= count else {
            return nil
        }
        let values = withNull ? EntryCache.withNullEntry(dictionary) : dictionary
        var entryInputs: [ColumnVector] = []
        for (position, argument) in arguments.enumerated() {
            if position == encoded {
                entryInputs.append(values)
            } else {
                entryInputs.append(GatherKernel.constant(argument.constant!, type: argument.type, count: values.count))
            }
        }
        guard let entries = try? kernel(entryInputs, values.count), !entries.hasNulls, !entries.isDictionary,
            entries.count == values.count
        else { return nil }
        return entries
    }
}

/// A function node's results over the last few dictionaries it saw, shared by the worker threads.
final class EntryCache: @unchecked Sendable {
    // Safe: `items` is read and written only while holding `lock`; the vectors in it are only read.
    private let lock = NSLock()
    private var items: [(source: ColumnVector, withNull: Bool, entries: ColumnVector)] = []
    /// How many dictionaries it holds: a row group per worker thread, and some slack.
    private static let capacity = 4

    /// The entries stored for `source` (with or without the extra NULL entry), else those `compute`
    /// gives (kept, dropping the oldest when full); nil when `compute` gives none.
    func entries(
        of source: ColumnVector, withNull: Bool, compute: () throws(ExecutionError) -> ColumnVector?
    ) throws(ExecutionError) -> ColumnVector? {
        lock.lock()
        let hit = items.first { $0.source === source && $0.withNull == withNull }?.entries
        lock.unlock()
        if let hit { return hit }
        guard let entries = try compute() else { return nil }
        lock.lock()
        defer { lock.unlock() }
        if items.count == EntryCache.capacity { items.removeFirst() }
        items.append((source, withNull, entries))
        return entries
    }

    /// `dictionary`'s entries followed by a NULL one: the value a node computes there is its value for NULL rows.
    static func withNullEntry(_ dictionary: ColumnVector) -> ColumnVector {
        var indices = [Int32](0..<Int32(dictionary.count))
        indices.append(-1)
        return indices.withUnsafeBufferPointer { GatherKernel.gather(dictionary, $0) }
    }

    /// A dictionary vector over `entries` with `input`'s codes for `count` rows; with `nullEntry`,
    /// NULL rows take the last entry (valid), else they stay NULL.
    static func coded(_ entries: ColumnVector, codesOf input: ColumnVector, type: DataType, count: Int, nullEntry: Bool)
        -> ColumnVector
    {
        let out = ColumnVector(type: type, capacity: Swift.max(count, 1))
        out.makeDictionary(entries, count: count)
        out.data.copyMemory(from: input.data, byteCount: count * 4)
        if nullEntry {
            let codes = out.data.assumingMemoryBound(to: UInt32.self)
            let nullCode = UInt32(entries.count - 1)
            if let validity = input.validity.words {
                // A word of 64 rows at a time: only the NULL rows' bits are visited.
                for w in 0..<ValidityBitmap.wordCount(for: count) {
                    let base = w &* 64, end = Swift.min(64, count &- base)
                    var nulls = ~validity[w] & (end == 64 ? ~0 : (1 &<< UInt64(end)) &- 1)
                    while nulls != 0 {
                        codes[base &+ nulls.trailingZeroBitCount] = nullCode
                        nulls &= nulls &- 1
                    }
                }
            }
        } else {
            out.copyValidity(of: input)
        }
        return out
    }
}

/// Turns bound expressions into executable nodes, running uncorrelated subqueries once.
struct ExpressionCompiler {
    /// Runs a subquery plan to completion (provided by the executor).
    let runSubquery: (LogicalPlan) throws(ExecutionError) -> [Batch]
    /// The UTC date when the query started, for `current_date`.
    let currentDate: Int32

    /// Compiles `expression`.
    func compile(_ expression: BoundExpression) throws(ExecutionError) -> ExpressionNode {
        switch expression {
        case .column(let index, let type):
            return ColumnNode(index: index, type: type)
        case .literal(let value, let type):
            return LiteralNode(value: value, type: type)
        case .cast(let inner, let target, let isTry):
            let node = try compile(inner)
            if node.type == target { return node }
            let kernel = try CastKernels.kernel(from: node.type, to: target, isTry: isTry)
            let castNode = FunctionNode(name: nil, arguments: [node], type: target, kernel: kernel)
            if let value = node.constant {
                // Fold casts of constants now, so that constant fast paths apply. A cast that fails
                // stays a node: the error comes only if a row reaches it (as in DuckDB, `WHERE false`
                // or an untaken CASE branch never fails).
                do {
                    let folded = try kernel([GatherKernel.constant(value, type: node.type, count: 1)], 1)
                    return LiteralNode(value: folded.value(at: 0), type: target)
                } catch {
                    return castNode
                }
            }
            return castNode
        case .call(let name, let arguments, let type):
            let nodes = try arguments.map { (argument) throws(ExecutionError) in try compile(argument) }
            return try compileCall(name, nodes, type)
        case .caseWhen(let branches, let otherwise, let type):
            let compiled = try branches.map { (branch) throws(ExecutionError) in
                (try compile(branch.when), try compile(branch.then))
            }
            let elseNode =
                try otherwise.map { (e) throws(ExecutionError) in try compile(e) }
                ?? LiteralNode(value: .null, type: type)
            return CaseNode(branches: compiled, otherwise: elseNode, type: type)
        case .scalarSubquery(let plan, let type):
            let batches = try runSubquery(plan)
            var value = Value.null
            var seen = 0
            for batch in batches where batch.count > 0 {
                seen += batch.count
                if value == .null { value = batch.columns[0].value(at: 0) }
            }
            if seen > 1 {
                throw ExecutionError(
                    .invalidArgument,
                    "a scalar subquery returned \(seen) rows; it must return at most one (add LIMIT 1 or an aggregate)")
            }
            return LiteralNode(value: value, type: type)
        case .inSubquery(let needle, let plan, let isNegated):
            let node = try compile(needle)
            let batches = try runSubquery(plan)
            let set = try InSetNode.build(type: node.type, columns: batches.map { $0.columns[0] })
            return InSetNode(
                needle: node, table: set.table, hasNull: set.hasNull, isNegated: isNegated, smallValues: set.small)
        }
    }

    private func compileCall(_ name: ScalarFunction, _ arguments: [ExpressionNode], _ type: DataType)
        throws(ExecutionError)
        -> ExpressionNode
    {
        switch name {
        case .and, .or:
            return LogicNode(isAnd: name == .and, arguments: arguments)
        case .in:
            let list = Array(arguments.dropFirst())
            if list.allSatisfy({ $0.constant != nil }) {
                let values = list.map { $0.constant! }
                let column = ColumnVector(type: arguments[0].type, capacity: Swift.max(values.count, 1))
                for value in values { column.append(value: value) }
                let set = try InSetNode.build(type: arguments[0].type, columns: [column])
                return InSetNode(
                    needle: arguments[0], table: set.table, hasNull: set.hasNull, isNegated: false,
                    smallValues: set.small)
            }
            return InListNode(needle: arguments[0], list: list)
        case .coalesce:
            return CoalesceNode(arguments: arguments, type: type)
        case .currentDate:
            return LiteralNode(value: .date(currentDate), type: .date)
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
            let op = ScalarFunctions.compareOperator(name)
            if let value = arguments[1].constant, !value.isNull, arguments[0].constant == nil {
                return CompareConstantNode(input: arguments[0], op: op, constant: value)
            }
            if let value = arguments[0].constant, !value.isNull, arguments[1].constant == nil {
                return CompareConstantNode(input: arguments[1], op: op.swapped, constant: value)
            }
        default:
            break
        }
        let types = arguments.map(\.type)
        let kernel = try ScalarFunctions.kernel(
            function: name, argumentTypes: types, resultType: type, constants: arguments.map(\.constant))
        let node = FunctionNode(name: name, arguments: arguments, type: type, kernel: kernel)
        if !arguments.isEmpty, arguments.allSatisfy({ $0.constant != nil }) {
            // Constant folding at run time: evaluate once on a one-row batch. A call that fails
            // stays a node, so that the error comes only if a row reaches it.
            let one = Batch(columns: [], count: 1)
            if let folded = try? node.evaluate(one) { return LiteralNode(value: folded.value(at: 0), type: type) }
        }
        return node
    }
}

/// n-ary AND / OR with SQL three-valued logic.
final class LogicNode: ExpressionNode, @unchecked Sendable {
    let type: DataType
    let isAnd: Bool
    let arguments: [ExpressionNode]

    init(isAnd: Bool, arguments: [ExpressionNode]) {
        self.isAnd = isAnd
        self.arguments = arguments
        self.type = .boolean
    }

    func evaluate(_ batch: Batch) throws(ExecutionError) -> ColumnVector {
        let count = batch.count
        let out = makeOutput(.boolean, count)
        let result = out.data.assumingMemoryBound(to: UInt8.self)
        // `decided`: a false (AND) or true (OR) was seen; `unknown`: a NULL was seen.
        let decided = UnsafeMutablePointer<UInt8>.allocate(capacity: Swift.max(count, 1))
        let unknown = UnsafeMutablePointer<UInt8>.allocate(capacity: Swift.max(count, 1))
        defer {
            decided.deallocate()
            unknown.deallocate()
        }
        decided.initialize(repeating: 0, count: count)
        unknown.initialize(repeating: 0, count: count)
        let target: UInt8 = isAnd ? 0 : 1
        for argument in arguments {
            let v = try argument.evaluate(batch)
            if v.type == .null {
                unknown.update(repeating: 1, count: count)
                continue
            }
            let values = v.data.assumingMemoryBound(to: UInt8.self)
            let validity = v.validity
            if validity.isAllValid {
                for row in 0..<count { decided[row] |= UInt8(values[row] == target ? 1 : 0) }
            } else {
                for row in 0..<count {
                    let valid: UInt8 = validity.isValid(at: row) ? 1 : 0
                    decided[row] |= valid & UInt8(values[row] == target ? 1 : 0)
                    unknown[row] |= 1 - valid
                }
            }
        }
        for row in 0..<count {
            if decided[row] != 0 {
                result[row] = target
            } else if unknown[row] != 0 {
                result[row] = 0
                out.setValid(false, at: row)
            } else {
                result[row] = 1 - target
            }
        }
        return out
    }
}

/// `coalesce(a, b, …)`: the first non-NULL argument, evaluated lazily on the rows still NULL.
final class CoalesceNode: ExpressionNode, @unchecked Sendable {
    let type: DataType
    let arguments: [ExpressionNode]

    init(arguments: [ExpressionNode], type: DataType) {
        self.arguments = arguments
        self.type = type
    }

    func evaluate(_ batch: Batch) throws(ExecutionError) -> ColumnVector {
        // Each argument runs only on the rows every earlier argument left NULL, so a later
        // argument never fails on rows it does not answer.
        let count = batch.count
        var remaining = (0..<count).map { Int32($0) }
        var sources: [ColumnVector] = []
        var which = [Int32](repeating: -1, count: count)
        var position = [Int32](repeating: 0, count: count)
        for argument in arguments {
            if remaining.isEmpty { break }
            let subset = remaining.count == count ? batch : remaining.withUnsafeBufferPointer { batch.gathered($0) }
            let v = try argument.evaluate(subset)
            if v.type == .null { continue }
            let id = Int32(sources.count)
            sources.append(v)
            var kept: [Int32] = []
            for (k, row) in remaining.enumerated() {
                if v.isValid(at: k) {
                    which[Int(row)] = id
                    position[Int(row)] = Int32(k)
                } else {
                    kept.append(row)
                }
            }
            remaining = kept
        }
        return assemble(sources, which, position, type: type, count: count)
    }
}

/// Assembles a result from several candidate vectors, one chosen per row (-1: NULL).
enum ConditionalGather {
    static func pick(_ values: [ColumnVector], chosen: [Int32], type: DataType, count: Int) -> ColumnVector {
        let out = ColumnVector(type: type, capacity: Swift.max(count, 1))
        for row in 0..<count {
            let source = Int(chosen[row])
            if source < 0 || values[source].type == .null || !values[source].isValid(at: row) {
                out.appendNull()
                continue
            }
            let v = values[source]
            if out.physicalType == .string {
                out.appendBytes(v.bytes(at: row))
            } else {
                let width = out.byteWidth
                (out.data + row * width).copyMemory(from: v.data + row * width, byteCount: width)
                out.count += 1
                if out.hasNulls { out.setValid(true, at: row) }
            }
        }
        return out
    }
}

/// `x op constant`: compares against the constant directly instead of a repeated vector.
final class CompareConstantNode: ExpressionNode, @unchecked Sendable {
    let type: DataType
    let input: ExpressionNode
    let op: CompareKernel.Operator
    let constantValue: Value
    /// `constantValue` as a one-row vector of the input's type, built once and only read after
    /// (shared by the worker threads without locking); nil for a NULL input type or constant.
    let constantHolder: ColumnVector?

    init(input: ExpressionNode, op: CompareKernel.Operator, constant: Value) {
        self.input = input
        self.op = op
        self.constantValue = LiteralNode.conform(constant, to: input.type)
        if input.type == .null || constantValue == .null {
            self.constantHolder = nil
        } else {
            let holder = ColumnVector(type: input.type, capacity: 1)
            holder.append(value: constantValue)
            self.constantHolder = holder
        }
        self.type = .boolean
    }

    func evaluate(_ batch: Batch) throws(ExecutionError) -> ColumnVector {
        let values = try input.evaluate(batch)
        let out = makeOutput(.boolean, batch.count)
        if values.type == .null {
            for row in 0..<batch.count { out.setValid(false, at: row) }
            return out
        }
        let bytes = out.data.assumingMemoryBound(to: UInt8.self)
        if let constantHolder, values.type == constantHolder.type {
            CompareKernel.compare(values, constantHolder: constantHolder, op, count: batch.count, into: bytes)
        } else {
            CompareKernel.compare(values, constant: constantValue, op, count: batch.count, into: bytes)
        }
        propagateNulls([values], into: out, count: batch.count)
        return out
    }
}
