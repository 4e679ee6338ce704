"""Unit tests of run.py's helpers (no engine needed): cd Benchmarks/GroupBy && python3 -m unittest test_run"""
import unittest

import run


class GroupByRunTests(unittest.TestCase):
    def test_row_counts_take_suffixes(self):
        self.assertEqual(run.row_count("10M"), 10_000_000)
        self.assertEqual(run.row_count("100k"), 100_000)
        self.assertEqual(run.row_count("1_000"), 1000)

    def test_the_ten_questions_are_there_and_can_be_picked(self):
        self.assertEqual([name for name, _ in run.query_files([""])], [f"q{n:02d}" for n in range(1, 11)])
        self.assertEqual([name for name, _ in run.query_files(["q1", "10"])], ["q01", "q10"])
        with self.assertRaises(SystemExit):
            run.query_files(["q11"])

    def test_every_question_reads_the_table_x_and_only_q08_is_a_window(self):
        for name, sql in run.query_files([""]):
            self.assertIn("FROM x", sql, name)
            self.assertEqual("OVER" in sql, name == "q08", name)


if __name__ == "__main__":
    unittest.main()
