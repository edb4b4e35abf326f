from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import FloatField, StringField
from wtforms.validators import InputRequired, NumberRange

from coalition.models import FoodCategory


class ReceiptPeriodForm(FlaskForm):
    class Meta:
        csrf = False  # a GET for a download: it changes nothing

    start = StringField("From", render_kw={"type": "date"})
    end = StringField("To (included)", render_kw={"type": "date"})


class FairMarketValueForm(FlaskForm):
    """One $/kg field per food category, named by the category's value."""


for _category in FoodCategory:
    setattr(FairMarketValueForm, _category.value, FloatField(
        f"{_category.label} ($ per kg)", validators=[InputRequired("Give a value."), NumberRange(0, 1000, "From 0 to 1000.")]))
