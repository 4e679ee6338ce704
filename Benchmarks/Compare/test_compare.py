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
