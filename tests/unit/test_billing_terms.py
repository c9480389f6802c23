"""Placement terms: sell price, admission and the covering package of each candidate, as one plain function."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from services.billing import pricebook
from services.billing.packages import Grant, Unit
from services.billing.terms import Candidate, placement_terms

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
BOOK = pricebook.default_book(Decimal("1.20"))
CARD = Candidate("modelarts", "one-card", "ascend-910b", 1, 18_000_000)  # 18.00/h -> 21.60/h sold, 0.36/min
CPU = Candidate("caip", "cpu", "cpu", 0, 6_000_000)


def card_hours(hours: int, accelerator="ascend-910b", days=30) -> Grant:
    seconds = hours * 3600
    return Grant(id=uuid.uuid4(), unit=Unit.CARD_SECONDS, accelerator=accelerator, granted=seconds, remaining=seconds,
                 price=100_000_000, priority=0, expires_at=NOW + timedelta(days=days), purchased_at=NOW)


def test_prices_come_from_the_price_book_and_admission_off_admits_everything():
    card, cpu = placement_terms(BOOK, [], 0, NOW, [CARD, CPU], minutes=0)
    assert (card.sell_price_per_hour, card.sell_price_per_minute, card.rule) == (21_600_000, 360_000, "default")
    assert card.admitted and cpu.admitted and card.covered_by is None


def test_admission_needs_the_first_minutes_in_balance_plus_overdraft():
    enough, = placement_terms(BOOK, [], 5 * 360_000, NOW, [CARD], minutes=5)
    short, = placement_terms(BOOK, [], 5 * 360_000 - 1, NOW, [CARD], minutes=5)
    assert enough.admitted and not short.admitted


def test_a_card_hour_package_covers_its_accelerator_and_names_itself():
    package = card_hours(10)
    card, cpu = placement_terms(BOOK, [package], 0, NOW, [CARD, CPU], minutes=5)
    assert card.admitted and card.covered_by == package.id
    assert not cpu.admitted and cpu.covered_by is None  # a card package pays no CPU-only flavor


def test_a_package_too_small_for_the_first_minutes_does_not_cover_them():
    tiny = card_hours(0)
    tiny.remaining = tiny.granted = 120  # two card-minutes
    card, = placement_terms(BOOK, [tiny], 10_000_000, NOW, [CARD], minutes=5)
    assert card.admitted and card.covered_by is None  # the balance pays the rest
