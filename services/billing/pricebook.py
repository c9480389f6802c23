"""The price book: how a vendor's price per hour becomes Switchyard's sell price.

The most specific rule wins: an override for `<vendor>/<flavor>` (a sell price per hour), then the
markup of the accelerator class, then the vendor's markup, then the default markup. Markups are
fractions (0.20 sells at the vendor price plus 20 %); without a stored price book the default is
SWITCHYARD_MARKUP - 1.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from contracts import money
from services.billing.pricing import Prices, prices_at

RULES = ("override", "accelerator", "vendor", "default")


@dataclass(frozen=True)
class PriceBook:
    default_markup: Decimal
    vendors: Mapping[str, Decimal] = field(default_factory=dict)
    accelerators: Mapping[str, Decimal] = field(default_factory=dict)
    overrides: Mapping[str, int] = field(default_factory=dict)  # "<vendor>/<flavor>" -> sell micro-units per hour

    def to_document(self) -> dict:
        return {
            "markup": {"default": str(self.default_markup),
                       "vendors": {k: str(v) for k, v in sorted(self.vendors.items())},
                       "accelerators": {k: str(v) for k, v in sorted(self.accelerators.items())}},
            "overrides": {k: money.format_amount(v) for k, v in sorted(self.overrides.items())},
        }

    @classmethod
    def from_document(cls, document: Mapping) -> "PriceBook":
        markup = document.get("markup", {})
        book = cls(
            default_markup=Decimal(markup["default"]),
            vendors={k: Decimal(v) for k, v in markup.get("vendors", {}).items()},
            accelerators={k: Decimal(v) for k, v in markup.get("accelerators", {}).items()},
            overrides={k: money.parse_amount(v) for k, v in document.get("overrides", {}).items()},
        )
        book.validate()
        return book

    def validate(self) -> None:
        for markup in (self.default_markup, *self.vendors.values(), *self.accelerators.values()):
            if not markup.is_finite() or markup <= -1:
                raise ValueError(f"a markup must be a fraction above -1, got {markup}")
        for key, price in self.overrides.items():
            vendor, _, flavor = key.partition("/")
            if not vendor or not flavor:
                raise ValueError(f"an override is keyed '<vendor>/<flavor>', got {key!r}")
            if price < 0:
                raise ValueError(f"an override price cannot be negative ({key})")


def default_book(markup_multiplier: Decimal) -> PriceBook:
    return PriceBook(default_markup=markup_multiplier - 1)


def in_force(document: Mapping | None, markup_multiplier: Decimal) -> PriceBook:
    """The newest stored price book's document, or without one the default book."""
    return default_book(markup_multiplier) if document is None else PriceBook.from_document(document)


@dataclass(frozen=True)
class Quote:
    prices: Prices
    rule: str  # one of RULES: which rule set the price


def quote(book: PriceBook, *, vendor: str, flavor: str, accelerator: str, vendor_price_per_hour: int) -> Quote:
    override = book.overrides.get(f"{vendor}/{flavor}")
    if override is not None:
        return Quote(prices_at(vendor_price_per_hour, override), "override")
    if accelerator in book.accelerators:
        markup, rule = book.accelerators[accelerator], "accelerator"
    elif vendor in book.vendors:
        markup, rule = book.vendors[vendor], "vendor"
    else:
        markup, rule = book.default_markup, "default"
    return Quote(prices_at(vendor_price_per_hour, money.multiply(vendor_price_per_hour, 1 + markup)), rule)
