import PlazaCore
import Testing

@testable import PlazaPlanner

/// Result types of expressions, following DuckDB (see FunctionCatalog and docs/SQL.md).
@Suite struct BinderTypeTests {
    static let cases: [(String, DataType)] = [
        ("1", .bigint),
        ("12.50", .decimal(precision: 4, scale: 2)),
        ("1e3", .double),
        ("'x'", .varchar),
        ("NULL", .null),
        ("TRUE", .boolean),
        ("n + 1", .bigint),
        ("n / 2", .double),
        ("n % 2", .bigint),
        ("monto + 1", .decimal(precision: 13, scale: 2)),
        ("monto + n", .decimal(precision: 18, scale: 2)),
        ("monto * 2", .decimal(precision: 18, scale: 2)),
        ("monto * monto", .decimal(precision: 18, scale: 4)),
        ("monto / 2", .double),
        ("monto + x", .double),
        ("monto + 0.5", .decimal(precision: 13, scale: 2)),
        ("-monto", .decimal(precision: 12, scale: 2)),
        ("fecha + 1", .date),
        ("1 + fecha", .date),
        ("fecha - fecha", .bigint),
        ("fecha + INTERVAL '3 days'", .timestamp),
        ("ts - INTERVAL 2 HOURS", .timestamp),
        ("ts - ts", .interval),
        ("colonia || 'x'", .varchar),
        ("colonia || n", .varchar),
        ("n = 1", .boolean),
        ("fecha = '2024-01-31'", .boolean),
        ("fecha < ts", .boolean),
        ("colonia LIKE 'a%'", .boolean),
        ("n BETWEEN 1 AND 2", .boolean),
        ("n IN (1, 2, 3)", .boolean),
        ("colonia IS NULL", .boolean),
        ("CAST(n AS VARCHAR)", .varchar),
        ("n::DOUBLE", .double),
        ("TRY_CAST(colonia AS DATE)", .date),
        ("CAST('12.345' AS DECIMAL(8,3))", .decimal(precision: 8, scale: 3)),
        ("CASE WHEN ok THEN 1 ELSE 2.5 END", .decimal(precision: 18, scale: 1)),
        ("CASE WHEN ok THEN 1 END", .bigint),
        ("CASE n WHEN 1 THEN 'a' ELSE 'b' END", .varchar),
        ("coalesce(n, 0)", .bigint),
        ("coalesce(monto, 0)", .decimal(precision: 12, scale: 2)),
        ("nullif(colonia, '')", .varchar),
        ("greatest(n, 2, 3)", .bigint),
        ("least(x, 1)", .double),
        ("abs(n)", .bigint),
        ("abs(monto)", .decimal(precision: 12, scale: 2)),
        ("round(x)", .double),
        ("round(monto)", .decimal(precision: 12, scale: 0)),
        ("round(monto, 1)", .decimal(precision: 12, scale: 1)),
        ("round(x, 2)", .double),
        ("floor(monto)", .decimal(precision: 12, scale: 0)),
        ("ceil(n)", .bigint),
        ("sqrt(n)", .double),
        ("ln(x)", .double),
        ("log10(monto)", .double),
        ("power(n, 2)", .double),
        ("pow(2, 3)", .double),
        ("lower(colonia)", .varchar),
        ("length(colonia)", .bigint),
        ("trim(colonia)", .varchar),
        ("substring(colonia, 1, 3)", .varchar),
        ("substr(colonia, 2)", .varchar),
        ("replace(colonia, 'a', 'b')", .varchar),
        ("concat(colonia, n, fecha)", .varchar),
        ("starts_with(colonia, 'a')", .boolean),
        ("contains(colonia, 'a')", .boolean),
        ("split_part(colonia, ' ', 1)", .varchar),
        ("strip_accents(colonia)", .varchar),
        ("regexp_matches(colonia, '^a')", .boolean),
        ("year(fecha)", .bigint),
        ("month(ts)", .bigint),
        ("quarter(fecha)", .bigint),
        ("dayofweek(fecha)", .bigint),
        ("week(fecha)", .bigint),
        ("extract(year FROM fecha)", .bigint),
        ("extract(hour FROM ts)", .bigint),
        ("extract(hour FROM fecha)", .bigint),
        ("date_part('month', fecha)", .bigint),
        ("date_trunc('month', fecha)", .date),
        ("date_trunc('hour', ts)", .timestamp),
        ("date_diff('day', fecha, fecha)", .bigint),
        ("date_diff('day', fecha, '2024-01-01')", .bigint),
        ("strftime(fecha, '%Y')", .varchar),
        ("strptime(colonia, '%Y-%m-%d')", .timestamp),
        ("make_date(2024, 1, 31)", .date),
        ("current_date", .date),
        ("DATE '2024-01-31'", .date),
        ("TIMESTAMP '2024-01-31 08:00:00'", .timestamp),
        ("INTERVAL '1 year 2 months'", .interval),
        ("(SELECT max(poblacion) FROM alcaldias)", .bigint),
        ("colonia IN (SELECT colonia FROM alcaldias)", .boolean),
        ("\"Fecha de creación\"", .date),
        ("$1", .null),
    ]

    @Test(arguments: cases)
    func expressionHasTheDuckDBType(_ testCase: (String, DataType)) throws {
        let bound = try expression(testCase.0.replacingOccurrences(of: "$1", with: "NULL"))
        #expect(bound.type == testCase.1, "\(testCase.0): \(bound)")
    }

    static let aggregateCases: [(String, DataType)] = [
        ("count(*)", .bigint), ("count(colonia)", .bigint), ("count(DISTINCT colonia)", .bigint),
        ("sum(n)", .bigint), ("sum(x)", .double), ("sum(monto)", .decimal(precision: 38, scale: 2)),
        ("sum(ok)", .bigint),
        ("avg(n)", .double), ("avg(monto)", .double), ("avg(x)", .double),
        ("min(colonia)", .varchar), ("max(fecha)", .date), ("min(monto)", .decimal(precision: 12, scale: 2)),
        ("stddev_samp(n)", .double), ("stddev(x)", .double), ("var_samp(monto)", .double),
        ("median(n)", .double), ("quantile_cont(monto, 0.9)", .double),
        ("approx_count_distinct(colonia)", .bigint), ("string_agg(colonia, ', ')", .varchar),
        ("string_agg(n)", .varchar),
        ("bool_and(ok)", .boolean), ("bool_or(n > 1)", .boolean),
        ("stddev_pop(n)", .double), ("var_pop(monto)", .double),
        ("corr(x, n)", .double), ("covar_pop(monto, x)", .double), ("covar_samp(n, n)", .double),
        ("regr_count(x, monto)", .bigint), ("regr_count(NULL, NULL)", .bigint), ("regr_avgx(x, n)", .double),
        ("regr_avgy(x, n)", .double), ("regr_slope(x, n)", .double), ("regr_intercept(x, n)", .double),
        ("regr_r2(x, n)", .double), ("regr_sxx(x, n)", .double), ("regr_syy(x, n)", .double),
        ("regr_sxy(x, n)", .double), ("corr(DISTINCT x, n) FILTER (WHERE ok)", .double),
        ("sum(n) FILTER (WHERE ok)", .bigint), ("count(*) + 1", .bigint), ("sum(n) / count(*)", .double),
    ]

    @Test(arguments: aggregateCases)
    func aggregateHasTheDocumentedType(_ testCase: (String, DataType)) throws {
        let result = try plan("SELECT \(testCase.0) FROM reportes")
        #expect(result.fields[0].type == testCase.1, "\(testCase.0)")
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
