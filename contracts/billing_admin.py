"""The operator's billing request bodies that the gateway forwards: a package offer and the price book.

The gateway validates a body against these shapes (unknown fields, types, storable text) before it
forwards it; billing's routes subclass them with the rules on amounts and markups that only billing holds.
"""

from pydantic import BaseModel, ConfigDict, Field

from contracts.inputs import Text
from contracts.money import AMOUNT_PATTERN


class PackageOfferShape(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=200)
    accelerator: str | None = Field(None, pattern=r"^[a-z0-9-]+$", max_length=32)
    card_hours: str | None = Field(None, pattern=AMOUNT_PATTERN, examples=["100"])
    credit: str | None = Field(None, pattern=AMOUNT_PATTERN, examples=["500.00"])
    price: str = Field(pattern=AMOUNT_PATTERN, examples=["450.00"])
    valid_days: int = Field(ge=1, le=3660)
    priority: int = Field(0, ge=0, le=1000, description="lower is consumed first; then the earliest expiry")


class MarkupShape(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default: Text | None = Field(None, description="fraction; absent: SWITCHYARD_MARKUP - 1")
    vendors: dict[Text, Text] = {}
    accelerators: dict[Text, Text] = {}


class PriceBookShape(BaseModel):
    model_config = ConfigDict(extra="forbid")

    markup: MarkupShape = MarkupShape()
    overrides: dict[Text, Text] = Field({}, description='"<vendor>/<flavor>": sell price per hour')
