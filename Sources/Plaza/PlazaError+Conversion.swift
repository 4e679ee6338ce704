internal import PlazaCore
internal import PlazaSQL
internal import PlazaPlanner
internal import PlazaFormat
internal import PlazaStorage
internal import PlazaExecution
internal import PlazaCSV
internal import PlazaParquet
internal import PlazaArrow

extension PlazaError {
    /// The `PlazaError` for an error of a lower layer, keeping its place.
    static func from(_ error: any Error, cancellation: CancellationToken? = nil) -> PlazaError {
        if let error = error as? PlazaError { return error }
        if cancellation?.isCancelled == true { return .cancelledQuery }
        if let error = error as? ExecutionError { return from(execution: error) }
        if let error = error as? StorageError { return from(storage: error) }
        if let error = error as? FormatError {
            return PlazaError(
                kind: .format, message: error.description,
                location: .file(FileLocation(path: error.path, column: error.column)), underlying: error)
        }
        if let error = error as? CSVError { return from(csv: error) }
        if let error = error as? ParquetError { return from(parquet: error) }
        if let error = error as? ArrowError {
            return PlazaError(kind: .execution, message: error.description, underlying: error)
        }
        return PlazaError(kind: .internal, message: String(describing: error) + " (a bug; please report it)")
    }

    static func from(execution error: ExecutionError) -> PlazaError {
        switch error.kind {
        case .cancelled: return .cancelledQuery
        case .storage(let underlying as SpillFileError):
            // A full disk or a missing temporary directory is the machine's state, not a bug.
            return PlazaError(
                kind: .execution,
                message:
                    "\(error.message): \(underlying.reason). A query past its memory limit writes what does not fit to temporary files there: free disk space or raise the memory limit (SET memory_limit = '…')"
            )
        case .storage(let underlying): return from(underlying)
        case .internal: return PlazaError(kind: .internal, message: error.message + " (a bug; please report it)")
        default: return PlazaError(kind: .execution, message: error.description)
        }
    }

    static func from(storage error: StorageError) -> PlazaError {
        let kind: Kind
        switch error.kind {
        case .damaged, .newerVersion, .format: kind = .format
        case .io: kind = .input
        case .tableNotFound: kind = .binding
        default: kind = .usage
        }
        var location: Location?
        if let file = error.file { location = .file(FileLocation(path: file, column: error.column)) }
        return PlazaError(kind: kind, message: error.description, location: location, underlying: error)
    }
}

extension PlazaError {
    static func from(csv error: CSVError) -> PlazaError {
        let kind: Kind = error.kind == .invalidOption ? .usage : .input
        return PlazaError(kind: kind, message: error.description, location: .file(error.location), underlying: error)
    }
}
