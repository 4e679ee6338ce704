"""Unit tests of the result checking in compare.py (no engine needed): python3 -m unittest test_compare"""
import datetime
import decimal
import unittest

import compare
from engines import parse_timer, parse_timers


class CompareRowsTests(unittest.TestCase):
    def test_decimal_float_and_text_numbers_agree(self):
        reference = [("Bache", decimal.Decimal("1234.50"), 3)]
        candidate = [("Bache", "1234.5", "3")]
        self.assertIsNone(compare.compare_rows(reference, candidate, ordered=True))

    def test_relative_tolerance_is_one_in_a_billion(self):
        self.assertIsNone(compare.compare_rows([(1.0e6,)], [(1.0e6 * (1 + 5e-10),)], ordered=True))
        self.assertIsNotNone(compare.compare_rows([(1.0e6,)], [(1.0e6 * (1 + 5e-9),)], ordered=True))

    def test_order_matters_only_when_ordered(self):
        a = [("x", 1), ("y", 2)]
        b = [("y", 2), ("x", 1)]
        self.assertIsNone(compare.compare_rows(a, b, ordered=False))
        self.assertIn("row 1", compare.compare_rows(a, b, ordered=True))

    def test_null_differs_from_zero_and_sorts_without_error(self):
        self.assertIsNotNone(compare.compare_rows([(None,)], [(0,)], ordered=True))
        self.assertIsNone(compare.compare_rows([(None, "a"), (1, "b")], [(1, "b"), (None, "a")], ordered=False))

    def test_row_count_mismatch_is_reported(self):
        self.assertEqual(compare.compare_rows([(1,)], [], ordered=False), "0 rows instead of 1")

    def test_timestamps_compare_with_their_text(self):
        stamp = datetime.datetime(2024, 3, 4, 5, 6, 7)
        self.assertIsNone(compare.compare_rows([(stamp,)], [("2024-03-04 05:06:07",)], ordered=True))
        self.assertIsNone(compare.compare_rows([(stamp.date(),)], [("2024-03-04",)], ordered=True))

    def test_named_columns_show_only_the_first_differing_value(self):
        reference = [("MAIL", decimal.Decimal("6202"), 9324), ("SHIP", decimal.Decimal("6200"), 9262)]
        candidate = [("MAIL", "6202", "9324"), ("SHIP", "6200", "9263")]
        self.assertEqual(compare.compare_rows(reference, candidate, ordered=True,
                                              columns=["l_shipmode", "high_line_count", "low_line_count"]),
                         "row 2, column low_line_count: 9263 instead of 9262")
        self.assertEqual(compare.compare_rows([(1, 2)], [("1",)], ordered=True, columns=["a", "b"]),
                         "row 1: 1 columns instead of 2")

    def test_tpch_decimal_sums_and_double_averages_agree_with_plaza_text(self):
        # Q1's first row as DuckDB returns it (DECIMAL sums of scale 2, 4 and 6, DOUBLE averages) and as
        # Plaza prints it in CSV.
        reference = [("A", "F", decimal.Decimal("55909065222.827692"), 25.522005853257337, 1478493)]
        candidate = [("A", "F", "55909065222.827692", "25.522005853257337", "1478493")]
        self.assertIsNone(compare.compare_rows(reference, candidate, ordered=True))
        off_by_a_cent = [("A", "F", "55909065222.817692", "25.522005853257337", "1478493")]
        self.assertEqual(compare.compare_rows(reference, off_by_a_cent, ordered=True, columns=list("abcde")),
                         "row 1, column c: 55909065222.817692 instead of 55909065222.827692")

    def test_decimal_reference_is_exact_at_its_own_scale(self):
        money = decimal.Decimal("1772627.2087")
        self.assertIsNone(compare.compare_rows([(money,)], [("1772627.208700",)], ordered=True))
        self.assertIsNotNone(compare.compare_rows([(money,)], [("1772627.2088",)], ordered=True))
        self.assertIsNotNone(compare.compare_rows([(money,)], [("1772627.21",)], ordered=True))
        # A DOUBLE from another engine is inexact: 1e-9 relative, as for any float.
        self.assertIsNone(compare.compare_rows([(money,)], [(1772627.2087000001,)], ordered=True))

    def test_nan_equals_nan_only(self):
        self.assertIsNone(compare.compare_rows([(float("nan"),)], [("NaN",)], ordered=True))
        self.assertIsNotNone(compare.compare_rows([(float("nan"),)], [(1.0,)], ordered=True))


class TimerTests(unittest.TestCase):
    def test_plaza_run_time_line(self):
        self.assertAlmostEqual(parse_timer("Run Time: 0.012 s\n"), 12.0)
        self.assertAlmostEqual(parse_timer("Time: 3.5 ms"), 3.5)
        self.assertIsNone(parse_timer("no timing here"))

    def test_every_repeated_run_time(self):
        self.assertEqual(parse_timers("Run Time: 0.0120 s\nRun Time: 0.0031 s\n"), [12.0, 3.1])
        self.assertEqual(parse_timers(""), [])


class QueryFilesTests(unittest.TestCase):
    def test_at_least_twenty_queries_and_variants_match_a_query(self):
        queries = compare.load_queries([])
        self.assertGreaterEqual(len(queries), 20)
        names = {name for name, _ in queries}
        for folder in compare.ENGINE_DIRS.values():
            for variant in (compare.QUERIES / folder).glob("*.sql"):
                self.assertIn(variant.stem, names, f"{folder}/{variant.name} has no shared query")

    def test_lineitem_queries_only_with_tpch(self):
        with_tpch = {name for name, _ in compare.load_queries([], with_tpch=True)}
        without = {name for name, _ in compare.load_queries([], with_tpch=False)}
        self.assertIn("q39_tpch_q1_pricing_summary", with_tpch)
        self.assertNotIn("q39_tpch_q1_pricing_summary", without)
        self.assertIn("q41_cost_with_tax_by_channel", without)


if __name__ == "__main__":
    unittest.main()


class LargeAnswerTests(unittest.TestCase):
    def test_arrow_comparison_sorts_tolerates_float_noise_and_finds_differences(self):
        import pyarrow as pa
        import sidebyside
        reference = pa.table({"k": pa.array(["a", "b", None]), "n": pa.array([1, 2, 3], pa.int64()),
                              "x": pa.array([0.1, 1e12, None], pa.float64())})
        self.assertIsNone(sidebyside.compare_large(reference, "k,n,x\nb,2,1000000000000.0001\n,3,\na,1,0.1\n", False))
        self.assertEqual(sidebyside.compare_large(reference, "k,n,x\nb,2,1e12\n,3,\na,1,0.1\n", True),
                         "row 1 (sorted), column k: b instead of a")
        self.assertEqual(sidebyside.compare_large(reference, "k,n,x\na,1,0.1\nb,2,1e12\n,4,\n", False),
                         "row 3 (sorted), column n: 4 instead of 3")
        self.assertEqual(sidebyside.compare_large(reference, "k,n,x\na,1,0.1\n", False), "1 rows instead of 3")
        self.assertEqual(sidebyside.compare_large(reference, "k,n,x\na,1,0.1\nb,2,1.1e12\n,3,\n", False),
                         "row 2 (sorted), column x: 1100000000000.0 instead of 1000000000000.0")
