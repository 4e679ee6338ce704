import PlazaCore

/// `COPY (query) TO 'path' [(options)]` or `COPY table TO 'path' [(options)]`: a result written
/// to a file (CSV, Parquet or newline-delimited JSON).
package struct CopyStatement: Hashable, Sendable {
    /// What is written.
    package enum Source: Hashable, Sendable {
        /// `COPY (query) TO …`.
        case query(Query)
        /// `COPY table TO …`.
        case table(Identifier)
    }

    /// What is written.
    package var source: Source
    /// The file (or, with PARTITION_BY, the directory) to write.
    package var path: String
    /// Where the path is written.
    package var pathSpan: SourceSpan
    /// The options in parentheses, in order.
    package var options: [CopyOption]

    /// Creates a COPY statement.
    package init(source: Source, path: String, pathSpan: SourceSpan, options: [CopyOption]) {
        self.source = source
        self.path = path
        self.pathSpan = pathSpan
        self.options = options
    }
}

/// One option of COPY: `FORMAT parquet`, `HEADER`, `DELIMITER ';'`, `PARTITION_BY (anio, agencia)`.
package struct CopyOption: Hashable, Sendable {
    /// The option's name as written.
    package var name: Identifier
    /// A value (a constant, or a bare word such as `parquet` as a text); nil when none was written.
    package var value: Expression?
    /// A parenthesized list of column names (PARTITION_BY), if written.
    package var columns: [Identifier]?

    /// Creates an option.
    package init(name: Identifier, value: Expression?, columns: [Identifier]?) {
        self.name = name
        self.value = value
        self.columns = columns
    }
}
