"""The regression guard's rule: a figure fails only when its ratio to its limit is below its stored floor."""

import re

from benchmarks.suite import RESULT, Result, below_floor


def test_a_ratio_below_its_floor_fails_and_one_at_or_above_passes():
    results = [Result("billing", 2000, 6000, 0.33), Result("placement", 500, 560, 0.89)]
    assert below_floor(results, {"billing": 0.4, "placement": 0.89}) == ["billing: ratio 0.330 < floor 0.400"]


def test_a_figure_without_a_floor_is_not_checked():
    assert below_floor([Result("new", 1, 100, 0.01)], {}) == []


def test_result_lines_are_read_from_a_benchmarks_output_and_nothing_else():
    output = "drained 30000 minutes\nRESULT name=billing figure=2044 limit=5725 ratio=0.357 cpu_ratio=0.40\nRESULT oops\n"
    assert RESULT.findall(output) == [("billing", "2044", "5725", "0.357")]
    assert not re.search(RESULT, "  RESULT name=x figure=1 limit=1 ratio=1 trailing")
