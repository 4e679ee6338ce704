import PlazaCore
import PlazaSQL

/// One column visible to expressions: where it came from and its position in the input.
struct ScopeColumn {
    /// The table name or alias that qualifies it (nil for derived columns without one).
    var qualifier: String?
    /// The column's name.
    var name: String
    /// The column's type.
    var type: DataType
    /// Whether it may be NULL.
    var isNullable: Bool
    /// Whether only a qualified name (`t.a`) reaches it: one side's copy of a column that
    /// `JOIN … USING` merged (the merged column answers the bare name).
    var isQualifiedOnly = false
    /// Whether it is a column of an enclosing query brought into a correlated subquery by its
    /// domain (see `DomainFrame`): the subquery's own columns win over it for the same name.
    var isDomain = false
    /// For a derived table of a correlated subquery's FROM that reads the outer query: which column
    /// of the subquery's domain this column carries (no name reaches it; see `bindSelect`).
    var domainCopy: Int?
}

/// The columns an expression may refer to, in the order of the input operator's output.
struct Scope {
    var columns: [ScopeColumn]
    /// The columns `SELECT *` lists, in order: all of them, except that a column merged by
    /// `JOIN … USING` appears once, at the left side's place.
    var starColumns: [Int]

    /// The fields of the columns.
    var fields: [Field] { columns.map { Field(name: $0.name, type: $0.type, isNullable: $0.isNullable) } }

    /// A scope over a plan's output, every column qualified by `qualifier`.
    init(fields: [Field], qualifier: String?) {
        columns = fields.map {
            ScopeColumn(qualifier: qualifier, name: $0.name, type: $0.type, isNullable: $0.isNullable)
        }
        starColumns = Array(columns.indices)
    }

    init(columns: [ScopeColumn]) {
        self.columns = columns
        starColumns = Array(columns.indices)
    }

    init(columns: [ScopeColumn], starColumns: [Int]) {
        self.columns = columns
        self.starColumns = starColumns
    }

    /// Whether two names match: exactly, or case-insensitively.
    static func matches(_ name: String, _ candidate: String) -> Bool {
        name == candidate || name.lowercased() == candidate.lowercased()
    }

    /// The position of `name` (optionally `table.name`), or a BindError.
    func resolve(_ parts: [Identifier]) throws(BindError) -> Int {
        let name = parts[parts.count - 1]
        let qualifier = parts.count > 1 ? parts[0] : nil
        if let qualifier, !columns.contains(where: { $0.qualifier.map { Scope.matches(qualifier.name, $0) } ?? false })
        {
            let tables = Array(Set(columns.compactMap(\.qualifier))).sorted()
            throw BindError(
                "unknown table \"\(qualifier.name)\"" + Scope.suggestion(for: qualifier.name, among: tables),
                span: qualifier.span)
        }
        var candidates: [Int] = []
        for (index, column) in columns.enumerated() {
            if let qualifier {
                guard let q = column.qualifier, Scope.matches(qualifier.name, q) else { continue }
            } else if column.isQualifiedOnly {
                continue
            }
            if Scope.matches(name.name, column.name) { candidates.append(index) }
        }
        if candidates.count > 1 {
            // A name of the subquery's own tables hides the same name of an enclosing query.
            let own = candidates.filter { !columns[$0].isDomain }
            if !own.isEmpty { candidates = own }
        }
        if candidates.count > 1 {
            // An exact spelling wins over case-insensitive matches.
            let exact = candidates.filter { columns[$0].name == name.name }
            if exact.count == 1 { return exact[0] }
            let options = candidates.map { (columns[$0].qualifier.map { "\($0)." } ?? "") + columns[$0].name }
            throw BindError(
                "ambiguous column \"\(name.name)\": it could be \(options.map { "\"\($0)\"" }.joined(separator: " or ")); qualify it with the table name",
                span: name.span)
        }
        if let only = candidates.first { return only }
        let names = columns.map(\.name)
        let text = qualifier.map { "\($0.name).\(name.name)" } ?? name.name
        throw BindError("unknown column \"\(text)\"" + Scope.suggestion(for: name.name, among: names), span: name.span)
    }

    /// ` (did you mean "x"?)` for the nearest name by edit distance, or "" when none is close.
    static func suggestion(for name: String, among candidates: [String]) -> String {
        let lowered = name.lowercased()
        var best: (distance: Int, name: String)?
        for candidate in candidates {
            let distance = editDistance(lowered, candidate.lowercased())
            if best == nil || distance < best!.distance { best = (distance, candidate) }
        }
        guard let best, best.distance <= max(2, lowered.count / 3) else { return "" }
        return " (did you mean \"\(best.name)\"?)"
    }

    /// Levenshtein distance between two strings, by Unicode scalars.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var previous = Array(0...y.count)
        var current = Array(repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            current[0] = i
            for j in 1...y.count {
                let substitution = previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1)
                current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
            }
            swap(&previous, &current)
        }
        return previous[y.count]
    }
}
