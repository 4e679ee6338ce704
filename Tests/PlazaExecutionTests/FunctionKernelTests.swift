import PlazaCore
import PlazaPlanner
import Testing

@testable import PlazaExecution

/// Every function the catalogue lists is bound to a `ScalarFunction` and compiles to a kernel, for
/// every overload: execution has no by-name lookup that could miss one.
@Suite struct FunctionKernelTests {
    /// A concrete type for each parameter kind.
    static func concrete(_ parameter: ParameterType) -> DataType {
        switch parameter {
        case .exact(let type): return type
        case .anyDecimal: return .decimal(precision: 10, scale: 2)
        case .any: return .bigint
        case .anyAsText: return .varchar
        }
    }

    @Test func everyCatalogueNameIsAScalarFunctionAndBack() {
        for signature in FunctionCatalog.signatures {
            #expect(ScalarFunction(rawValue: signature.name) != nil, "\(signature.name)")
        }
        for function in ScalarFunction.allCases {
            #expect(!FunctionCatalog.signatures(named: function.rawValue).isEmpty, "\(function)")
        }
    }

    @Test(arguments: FunctionCatalog.signatures)
    func everyOverloadCompilesToAKernel(signature: FunctionSignature) throws {
        let types = signature.parameters.map(Self.concrete)
        let resolved = try #require(FunctionCatalog.resolve(signature.name, argumentTypes: types), "\(signature)")
        let function = ScalarFunction(catalogName: signature.name)
        var constants = [Value?](repeating: nil, count: types.count)
        for position in signature.constantArguments {
            constants[position] = types[position] == .varchar ? .varchar("day") : .bigint(1)
        }
        switch function {
        case .and, .or, .in, .coalesce, .currentDate:
            // Compiled to nodes of their own; they must still compile from a bound call.
            let arguments = resolved.argumentTypes.map { BoundExpression.literal(.null, type: $0) }
            let call = BoundExpression.call(name: function, arguments: arguments, type: resolved.resultType)
            let table = InMemoryTable(schema: Schema([Field(name: "a", type: .bigint)]), rows: [[.bigint(1)]])
            _ = try T.run(T.project(T.scan("t", table), [call]), ["t": table], threads: 1)
        default:
            _ = try ScalarFunctions.kernel(
                function: function, argumentTypes: resolved.argumentTypes, resultType: resolved.resultType,
                constants: constants)
        }
    }
}
