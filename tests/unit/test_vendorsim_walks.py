"""A listing walked page by page takes its order once, at the first page (services/vendorsim/walks.py)."""

from services.vendorsim.walks import Walks


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_pages_after_the_first_reuse_the_order_the_first_took() -> None:
    computed = []
    walks = Walks(monotonic=Clock())

    def order() -> list[int]:
        computed.append(1)
        return [3, 2, 1]

    assert walks.order("k", True, order) == [3, 2, 1]
    assert walks.order("k", False, order) == [3, 2, 1]
    assert walks.order("k", False, order) == [3, 2, 1]
    assert len(computed) == 1


def test_a_first_page_takes_the_order_again() -> None:
    orders = iter([[1], [1, 2]])
    walks = Walks(monotonic=Clock())
    assert walks.order("k", True, lambda: next(orders)) == [1]
    assert walks.order("k", True, lambda: next(orders)) == [1, 2]


def test_other_filters_or_a_create_make_another_walk() -> None:
    walks = Walks(monotonic=Clock())
    walks.order(("phase=Running", 1), True, lambda: ["a"])
    assert walks.order(("phase=Pending", 1), False, lambda: ["b"]) == ["b"]  # never taken: computed
    assert walks.order(("phase=Running", 2), False, lambda: ["a", "c"]) == ["a", "c"]  # a job created since


def test_an_order_older_than_its_age_is_taken_again() -> None:
    clock = Clock()
    walks = Walks(max_age_s=10, monotonic=clock)
    walks.order("k", True, lambda: ["old"])
    clock.now = 10.5
    assert walks.order("k", False, lambda: ["new"]) == ["new"]


def test_only_the_latest_filter_sets_are_kept() -> None:
    walks = Walks(kept=2, monotonic=Clock())
    for key in ("a", "b", "c"):
        walks.order(key, True, lambda key=key: [key])
    assert walks.order("a", False, lambda: ["again"]) == ["again"]  # "a" was the oldest: dropped
    assert walks.order("c", False, lambda: ["again"]) == ["c"]
