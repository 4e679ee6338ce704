"""Unit tests of run.py's helpers (no engine needed): cd Benchmarks/TPCH && python3 -m unittest test_run"""
import unittest

import run


class QueryFileTests(unittest.TestCase):
    def test_all_22_queries_are_there_and_can_be_picked(self):
        self.assertEqual([name for name, _ in run.query_files([""])], [f"q{n:02d}" for n in range(1, 23)])
        self.assertEqual([name for name, _ in run.query_files(["q1", "Q06", " 22 "])], ["q01", "q06", "q22"])
        with self.assertRaises(SystemExit):
            run.query_files(["q23"])

    def test_order_by_counts_only_in_the_outer_query(self):
        self.assertTrue(run.is_ordered("SELECT a FROM t ORDER BY a"))
        self.assertFalse(run.is_ordered("SELECT a FROM (SELECT a FROM t ORDER BY a LIMIT 3) AS s"))
        self.assertFalse(run.is_ordered("-- ORDER BY in a comment\nSELECT 1"))
        ordered = {name for name, sql in run.query_files([""]) if run.is_ordered(sql)}
        # Q6, Q14, Q17 and Q19 return one row and have no ORDER BY; every other query has one.
        self.assertEqual({f"q{n:02d}" for n in range(1, 23)} - ordered, {"q06", "q14", "q17", "q19"})


class ReportTests(unittest.TestCase):
    def test_error_text_is_the_first_line_without_the_prefix_and_safe_in_a_table(self):
        error = RuntimeError("Error: correlated subqueries are not supported | yet\nLINE 3: WHERE x\n" + " " * 14 + "^")
        self.assertEqual(run.error_text(error), "correlated subqueries are not supported \\| yet (line 3, column 7)")
        self.assertEqual(run.error_text(RuntimeError("")), "RuntimeError")
        placed = RuntimeError('Error: syntax error at or near "SELECT"\nLINE 10:         SELECT *\n                 ^')
        self.assertEqual(run.error_text(placed), 'syntax error at or near "SELECT" (line 10, column 9)')

    def test_geometric_mean(self):
        self.assertAlmostEqual(run.geometric_mean([0.5, 2.0]), 1.0)
        self.assertAlmostEqual(run.geometric_mean([4.0, 1.0]), 2.0)
        self.assertIsNone(run.geometric_mean([]))

    def test_type_differences_name_table_column_and_both_types(self):
        schemas = {table: list(columns) for table, columns in run.engines.TPCH_SCHEMA.items()}
        self.assertEqual(run.type_differences(schemas), [])
        narrow = {"l_quantity": "BIGINT", "l_extendedprice": "DECIMAL(8,2)", "l_tax": "DECIMAL(2,3)"}
        schemas["lineitem"] = [(c, narrow.get(c, t)) for c, t in schemas["lineitem"]]
        schemas["region"] = schemas["region"][:2]
        self.assertEqual(run.type_differences(schemas), [
            "region.r_comment: missing in Plaza's table",
            "lineitem.l_quantity: Plaza inferred BIGINT, the specification says DECIMAL(15,2)",
            "lineitem.l_tax: Plaza inferred DECIMAL(2,3), the specification says DECIMAL(15,2)",
        ])


if __name__ == "__main__":
    unittest.main()
