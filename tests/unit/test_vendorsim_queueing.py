"""The simulators' first-in, first-out start rule (services.vendorsim.queueing)."""

import math

from services.vendorsim.queueing import earliest_start


def test_a_job_that_fits_starts_at_its_earliest_moment() -> None:
    assert earliest_start(10.0, 2, 4, [(20.0, 2)]) == 10.0
    assert earliest_start(10.0, 1, 4, []) == 10.0


def test_a_job_that_does_not_fit_starts_when_enough_is_released() -> None:
    held = [(30.0, 1), (20.0, 2), (40.0, 1)]  # in any order
    assert earliest_start(10.0, 2, 4, held) == 20.0
    assert earliest_start(10.0, 3, 4, held) == 30.0
    assert earliest_start(10.0, 4, 4, held) == 40.0


def test_what_is_released_before_the_earliest_moment_is_free_already() -> None:
    assert earliest_start(25.0, 3, 4, [(20.0, 2), (30.0, 1)]) == 25.0


def test_more_than_the_capacity_never_starts() -> None:
    assert earliest_start(0.0, 5, 4, [(1.0, 4)]) == math.inf
