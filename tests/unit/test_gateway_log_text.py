"""What is kept of an ended job's log (its end, cut at a line boundary), its last lines, and which lines of a
new read a follower has not seen."""

from services.gateway.log_capture import retry_delay
from services.gateway.log_text import last_lines, new_lines, retained


def test_a_log_under_the_limit_is_kept_whole():
    assert retained(["a", "bb"], 1024) == ("a\nbb\n", False)
    assert retained([], 1024) == ("", False)


def test_a_log_over_the_limit_keeps_its_last_whole_lines():
    lines = [f"line {i:03d}" for i in range(100)]  # 9 bytes each with the newline
    content, truncated = retained(lines, 95)
    assert truncated
    assert content == "".join(f"line {i:03d}\n" for i in range(90, 100))  # 10 lines = 90 bytes; 11 would be 99
    assert len(content.encode()) <= 95


def test_exactly_the_limit_is_not_cut():
    assert retained(["abcd", "efgh"], 10) == ("abcd\nefgh\n", False)
    assert retained(["abcd", "efgh"], 9) == ("efgh\n", True)


def test_the_limit_counts_utf8_bytes_not_characters():
    content, truncated = retained(["日本語", "ok"], 8)  # 10 bytes with its newline: too long
    assert (content, truncated) == ("ok\n", True)


def test_a_last_line_longer_than_the_limit_keeps_its_end_in_whole_characters():
    content, truncated = retained(["x", "é" * 10], 7)
    assert truncated and content.endswith("\n") and set(content[:-1]) == {"é"}
    assert len(content.encode()) <= 7


def test_last_lines():
    assert last_lines("a\nb\nc\n", 2) == ["b", "c"]
    assert last_lines("a\nb\n", 10) == ["a", "b"]
    assert last_lines("", 5) == []


def test_new_lines_are_those_after_what_was_seen():
    assert new_lines([], ["a", "b"]) == ["a", "b"]
    assert new_lines(["a", "b"], ["a", "b", "c", "d"]) == ["c", "d"]
    assert new_lines(["a", "b"], ["a", "b"]) == []


def test_a_tail_that_moved_on_still_gives_only_the_new_lines():
    # The vendor's tail of 3 lines: b c d, then d e f.
    assert new_lines(["b", "c", "d"], ["c", "d", "e"]) == ["e"]
    assert new_lines(["b", "c", "d"], ["d", "e", "f"]) == ["e", "f"]


def test_repeated_lines_are_matched_on_the_longest_overlap():
    assert new_lines(["x", "y", "x"], ["x", "y", "x", "y", "x"]) == ["y", "x"]


def test_a_read_sharing_nothing_with_the_last_is_all_new():
    assert new_lines(["a", "b"], ["p", "q"]) == ["p", "q"]


def test_a_failed_capture_waits_longer_each_time_up_to_five_minutes():
    waits = [retry_delay(n).total_seconds() for n in range(12)]
    assert waits[:3] == [2, 4, 8] and waits == sorted(waits) and max(waits) == 300
