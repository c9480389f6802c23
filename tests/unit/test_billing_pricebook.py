"""Price book rules: which rule prices a flavor, and the document round trip."""

from decimal import Decimal

import pytest

from services.billing import pricebook
from services.billing.pricebook import PriceBook

BOOK = PriceBook.from_document({
    "markup": {"default": "0.20", "vendors": {"caip": "0.30"}, "accelerators": {"ascend-910b": "0.10"}},
    "overrides": {"modelarts/modelarts.vm.snt9.1card": "20.00"},
})


def sell(vendor: str, flavor: str, accelerator: str, vendor_price: int) -> tuple[int, str]:
    q = pricebook.quote(BOOK, vendor=vendor, flavor=flavor, accelerator=accelerator, vendor_price_per_hour=vendor_price)
    return q.prices.sell_per_hour, q.rule


def test_an_override_wins():
    assert sell("modelarts", "modelarts.vm.snt9.1card", "ascend-910b", 18_000_000) == (20_000_000, "override")


def test_then_the_accelerator_then_the_vendor_then_the_default():
    assert sell("modelarts", "other", "ascend-910b", 10_000_000) == (11_000_000, "accelerator")
    assert sell("caip", "mlu", "mlu370", 10_000_000) == (13_000_000, "vendor")
    assert sell("qizhi", "x", "nvidia-a100", 10_000_000) == (12_000_000, "default")


def test_the_frozen_prices_carry_the_vendor_cost_per_minute():
    q = pricebook.quote(BOOK, vendor="qizhi", flavor="x", accelerator="a", vendor_price_per_hour=18_000_000)
    assert (q.prices.per_minute, q.prices.vendor_per_minute) == (360_000, 300_000)


def test_without_a_book_the_markup_setting_is_the_default():
    book = pricebook.default_book(Decimal("1.20"))
    q = pricebook.quote(book, vendor="modelarts", flavor="f", accelerator="a", vendor_price_per_hour=18_000_000)
    assert (q.prices.sell_per_hour, q.prices.per_minute, q.rule) == (21_600_000, 360_000, "default")


def test_the_document_round_trips():
    assert PriceBook.from_document(BOOK.to_document()) == BOOK
    assert BOOK.to_document()["overrides"] == {"modelarts/modelarts.vm.snt9.1card": "20.00"}


@pytest.mark.parametrize("document", [
    {"markup": {"default": "-1"}},
    {"markup": {"default": "0.2", "vendors": {"x": "-1.5"}}},
    {"markup": {"default": "0.2"}, "overrides": {"no-slash": "1.00"}},
    {"markup": {"default": "0.2"}, "overrides": {"a/b": "-1.00"}},
])
def test_a_bad_book_is_refused(document):
    with pytest.raises(ValueError):
        PriceBook.from_document(document)


def test_a_discount_markup_is_allowed():
    book = PriceBook.from_document({"markup": {"default": "-0.10"}})
    assert pricebook.quote(book, vendor="v", flavor="f", accelerator="a", vendor_price_per_hour=10_000_000).prices.sell_per_hour == 9_000_000


def test_the_stored_book_is_in_force_else_the_default():
    assert pricebook.in_force(BOOK.to_document(), Decimal("1.50")) == BOOK
    assert pricebook.in_force(None, Decimal("1.50")) == pricebook.default_book(Decimal("1.50"))
