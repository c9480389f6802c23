"""Amounts as callers write them: read into micro-units, refused outside billing's bounds."""

import pytest

from services.billing import amounts


def test_a_non_negative_amount_is_read_and_a_negative_one_refused_with_its_reason():
    assert amounts.non_negative("0", "no") == 0
    assert amounts.non_negative("12.34", "no") == 12_340_000
    with pytest.raises(ValueError, match="a price cannot be negative"):
        amounts.non_negative("-0.01", "a price cannot be negative")


@pytest.mark.parametrize("value", ["0", "-1", "1000000000.01", "abc"])
def test_a_positive_amount_is_above_zero_and_at_most_the_limit(value):
    with pytest.raises(ValueError):
        amounts.positive(value)


def test_the_limit_itself_is_a_positive_amount():
    assert amounts.positive("1000000000") == amounts.MAX_AMOUNT


@pytest.mark.parametrize("value, micros", [("-5", -5_000_000), ("0.000001", 1), ("-1000000000", -amounts.MAX_AMOUNT)])
def test_a_signed_amount_may_be_negative(value, micros):
    assert amounts.signed(value, "no") == micros


@pytest.mark.parametrize("value", ["0", "1000000000.000001", "-1000000000.000001"])
def test_a_signed_amount_is_never_zero_nor_past_the_limit(value):
    with pytest.raises(ValueError, match="non-zero"):
        amounts.signed(value, "an adjustment is a non-zero amount of at most 1000000000")


@pytest.mark.parametrize("value", ["1_000", "\uff11\uff10\uff10", "\u0661\u0660\u0660", "+5", " 5 ", ".5", "5."])
def test_every_reader_refuses_what_is_not_in_the_amount_grammar(value):
    for read in (lambda v: amounts.non_negative(v, "no"), amounts.positive, lambda v: amounts.signed(v, "no")):
        with pytest.raises(ValueError, match="not an amount"):
            read(value)


def test_billing_request_models_refuse_a_bad_amount_and_show_the_grammar():
    from pydantic import ValidationError

    from contracts import money
    from services.billing.routes.admin_corrections import AdjustmentIn
    from services.billing.routes.admin_offers import OfferIn
    from services.billing.routes.funds import CreditRequest

    with pytest.raises(ValidationError):
        CreditRequest(amount="\uff15")
    with pytest.raises(ValidationError):
        AdjustmentIn(amount="+5", reason="r")
    assert AdjustmentIn(amount="-5", reason="r").kind == "debit"
    with pytest.raises(ValidationError):
        OfferIn(name="n", credit="1_000", price="1", valid_days=1)
    assert CreditRequest.model_json_schema()["properties"]["amount"]["pattern"] == money.AMOUNT_PATTERN
    assert AdjustmentIn.model_json_schema()["properties"]["amount"]["pattern"] == money.SIGNED_AMOUNT_PATTERN


@pytest.mark.parametrize("markup, ok", [("0.20", True), ("-0.5", True), ("-1", False), ("\u0660.\u0662", False),
                                        ("1_0", False), ("+0.2", False), (".2", False)])
def test_a_markup_is_a_signed_decimal_in_the_amount_grammar_above_minus_one(markup, ok):
    from pydantic import ValidationError

    from services.billing.routes.admin_price_book import MarkupIn

    if ok:
        assert MarkupIn(default=markup).default == markup
    else:
        with pytest.raises(ValidationError):
            MarkupIn(default=markup)
