"""The weight unit: exact conversions to the gram, and text that reads back as the same grams."""
from __future__ import annotations

from decimal import Decimal

import pytest

from coalition.services import units


@pytest.mark.parametrize("typed, grams", [("12.5", 5670), ("1", 454), ("0.1", 45), ("2.2046", 1000),
                                           ("1000", 453_592), ("3,5", 1588)])
def test_pounds_become_the_nearest_gram(typed, grams):
    assert units.from_input(typed, "lb") == grams


@pytest.mark.parametrize("typed", ["12.5", "1", "0.1", "3.333", "0.01", "99.99", "1234.5", "7.25"])
def test_a_value_typed_in_pounds_reads_back_as_typed(typed):
    grams = units.from_input(typed, "lb")
    assert units.to_display(grams, "lb", grouped=False) == typed


def test_every_gram_survives_the_round_trip_in_both_units():
    for grams in range(0, 20_000, 7):
        for unit in units.UNITS:
            assert units.from_input(units.to_display(grams, unit, grouped=False), unit) == grams


def test_kilograms_read_as_before_and_large_figures_are_grouped():
    assert units.to_display(12_500, "kg") == "12.5" and units.to_display(1_234_567, "kg") == "1,234.567"
    assert units.to_display(1_234_567, "kg", grouped=False) == "1234.567"
    assert units.weight_text(5670, "lb") == "12.5 lb" and units.weight_text(0, "kg") == "0 kg"


def test_the_meals_factor_and_prices_follow_the_unit():
    assert units.per_unit(0.544, "lb") == "1.2" and units.per_unit(0.544, "kg") == "0.544"
    assert units.price_per(2.0, "lb") == pytest.approx(0.90718474)
    assert units.from_kg(0.45359237, "lb") == pytest.approx(1.0)
    assert units.GRAMS_PER["lb"] == Decimal("453.59237")


@pytest.mark.parametrize("typed", ["", "abc", "nan", "inf", "1e"])
def test_text_that_is_not_a_number_is_refused(typed):
    with pytest.raises(ValueError):
        units.from_input(typed, "lb")


def test_the_unit_is_the_coalitions_setting(app):
    with app.app_context():
        assert units.unit() == app.config["WEIGHT_UNIT"] == "kg"   # the tests' default
    assert units.unit() == "kg"   # outside an application: scripts and the routing package
