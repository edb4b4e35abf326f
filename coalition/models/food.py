"""Vocabulary shared by donations, needs and claims: food categories and storage classes."""
from __future__ import annotations

import enum

from coalition.models.base import enum_column  # noqa: F401  (re-exported for the food models)


class FoodCategory(str, enum.Enum):
    PRODUCE = "produce"
    BAKERY = "bakery"
    DAIRY = "dairy"
    MEAT_FISH = "meat_fish"
    PREPARED = "prepared"
    DRY_GOODS = "dry_goods"
    FROZEN = "frozen"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "produce": "Produce", "bakery": "Bakery", "dairy": "Dairy", "meat_fish": "Meat and fish",
            "prepared": "Prepared meals", "dry_goods": "Dry goods", "frozen": "Frozen", "other": "Other",
        }[self.value]

    @property
    def perishability(self) -> float:
        """Weight of a kilogram of this food when ranking what to rescue first (1 = keeps for weeks)."""
        return {
            "produce": 2.0, "bakery": 2.0, "dairy": 2.5, "meat_fish": 3.0,
            "prepared": 3.0, "dry_goods": 1.0, "frozen": 1.5, "other": 1.5,
        }[self.value]


class StorageClass(str, enum.Enum):
    AMBIENT = "ambient"
    REFRIGERATED = "refrigerated"
    FROZEN = "frozen"

    @property
    def label(self) -> str:
        return self.value.capitalize()


KG = 1000  # grams per kilogram: weights are stored as whole grams


def grams(kg: float) -> int:
    return int(round(kg * KG))


def kg(grams_: int) -> float:
    return grams_ / KG
