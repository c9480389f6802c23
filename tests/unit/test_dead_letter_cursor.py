"""The dead-letter list's opaque cursor."""

import pytest

from services.common.problems import Problem
from services.gateway.cursor import decode_id_cursor, encode_id_cursor


def test_a_dead_letter_cursor_round_trips_and_a_forged_one_is_a_400():
    assert decode_id_cursor(encode_id_cursor(42)) == 42
    for forged in ("nope", encode_id_cursor(1)[:-1] + "!", "WyJ4Il0"):  # the last is ["x"]
        with pytest.raises(Problem):
            decode_id_cursor(forged)
