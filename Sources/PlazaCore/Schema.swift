/// A named, typed column of a table or of a query result.
public struct Field: Hashable, Sendable {
    /// The column name, in its original spelling (accents, spaces and capitals kept).
    public var name: String
    /// The column's type.
    public var type: DataType
    /// Whether the column may hold NULLs.
    public var isNullable: Bool

    /// Creates a field.
    public init(name: String, type: DataType, isNullable: Bool = true) {
        self.name = name
        self.type = type
        self.isNullable = isNullable
    }
}

/// The ordered columns of a table or of a result.
public struct Schema: Hashable, Sendable {
    /// The columns, in order.
    public var fields: [Field]

    /// Creates a schema from its columns.
    public init(_ fields: [Field]) { self.fields = fields }

    /// The number of columns.
    public var count: Int { fields.count }

    /// The position of the column whose name matches `name` case-insensitively, if any.
    ///
    /// An exact (case-sensitive) match wins over a case-insensitive one.
    public func index(of name: String) -> Int? {
        if let exact = fields.firstIndex(where: { $0.name == name }) { return exact }
        let lowered = name.lowercased()
        return fields.firstIndex(where: { $0.name.lowercased() == lowered })
    }
}
