"""Forms of the donor pages. Field names match the services' error keys (``lines-0-kg``, ``pickup_end``)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    FloatField,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import DateField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.utils import unset_value
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from coalition.blueprints.forms import choices_of, WeightField
from coalition.blueprints.local_time import local_datetime
from coalition.models import FoodCategory, StorageClass

LINE_SLOTS = 5            # lines on the posting screen; the empty ones are hidden until asked for
SCHEDULE_LINE_SLOTS = 3
PARTNER_SLOTS = 5
DAY_CHOICES = [SelectChoice(day, label) for day, label in (
    ("mon", "Monday"), ("tue", "Tuesday"), ("wed", "Wednesday"), ("thu", "Thursday"), ("fri", "Friday"),
    ("sat", "Saturday"), ("sun", "Sunday"))]


class SlotList(FieldList):
    """A fixed number of slots named ``<name>-0`` .. ``<name>-N-1``, each read from its own inputs.

    WTForms' FieldList renumbers the submitted entries and then reads the
    highest numbers twice when it tops the list up to ``min_entries``; the
    posting screens need slot N to stay slot N so errors land beside it.
    """

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.last_index = -1
        self.entries = []
        self.object_data = data
        for _ in range(self.min_entries):
            self._add_entry(formdata)




class LineForm(Form):
    # validate_choice=False: the service names unknown categories beside the field, like the API does.
    category = SelectField("Category", choices=choices_of(FoodCategory), default="bakery", validate_choice=False)
    description = StringField("What is it?", validators=[Optional(), Length(max=200)])
    kg = WeightField("Weight ({unit})", validators=[Optional()])
    units = IntegerField("Units (optional)", validators=[Optional()])
    storage = SelectField("Storage", choices=choices_of(StorageClass), default="ambient", validate_choice=False)
    use_by = local_datetime("Use by")
    pack_type = StringField("Pack type", validators=[Optional(), Length(max=60)])

    def is_blank(self) -> bool:
        """An unused slot: nothing typed in it (selects and the default use-by don't count)."""
        return not (self.description.data or "").strip() and not _raw_data_present(self.kg) \
            and not _raw_data_present(self.units) and not (self.pack_type.data or "").strip()


def _raw_data_present(field) -> bool:
    return bool(field.raw_data and str(field.raw_data[0]).strip())


class DonationForm(FlaskForm):
    """The three posting screens share one form; fields of the other screens travel as hidden inputs."""

    step = HiddenField(default="lines")
    donor_id = HiddenField()
    draft = HiddenField()       # random id of this draft, so a resent "Post" posts nothing twice
    shown_lines = HiddenField(default="1")
    lines = SlotList(FormField(LineForm), min_entries=LINE_SLOTS, max_entries=LINE_SLOTS)
    pickup_start = local_datetime("Pickup from")
    pickup_end = local_datetime("Pickup until")
    available_from = local_datetime("Available from")
    available_until = local_datetime("Available until")
    notes = TextAreaField("Notes for the driver", validators=[Optional(), Length(max=2000)])
    allow_split = BooleanField("Let recipients take part of a line", default=True)
    photo = FileField("Photo (optional)")


class RepostForm(FlaskForm):
    pickup_start = local_datetime("New pickup from")
    pickup_end = local_datetime("New pickup until")


class CancelForm(FlaskForm):
    reason = TextAreaField("Why are you cancelling?", validators=[
        InputRequired("Say why, so the recipients who claimed it understand."), Length(max=300)])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ScheduleLineForm(Form):
    category = SelectField("Category", choices=choices_of(FoodCategory), default="bakery", validate_choice=False)
    description = StringField("What is it?", validators=[Optional(), Length(max=200)])
    kg = WeightField("Usual weight ({unit})", validators=[Optional()])
    storage = SelectField("Storage", choices=choices_of(StorageClass), default="ambient", validate_choice=False)
    shelf_life_h = FloatField("Keeps for (hours after pickup starts)", default=24, validators=[Optional()])
    pack_type = StringField("Pack type", validators=[Optional(), Length(max=60)])

    def is_blank(self) -> bool:
        return not (self.description.data or "").strip() and not _raw_data_present(self.kg)


class ScheduleForm(FlaskForm):
    donor_id = HiddenField()
    weekdays = MultiCheckboxField("Days of the week", choices=DAY_CHOICES, validate_choice=False)
    pickup_time = TimeField("Pickup time", format="%H:%M", validators=[Optional()])
    pickup_minutes = IntegerField("How long (minutes)", default=60, validators=[Optional()])
    starts_on = DateField("First date", validators=[Optional()])
    ends_on = DateField("Last date (optional)", validators=[Optional()])
    lines = SlotList(FormField(ScheduleLineForm), min_entries=SCHEDULE_LINE_SLOTS, max_entries=SCHEDULE_LINE_SLOTS)
    notes = TextAreaField("Notes for the driver", validators=[Optional(), Length(max=2000)])
    allow_split = BooleanField("Let recipients take part of a line", default=True)


class PartnersForm(FlaskForm):
    donor_id = HiddenField()
    partners = SlotList(SelectField("Partner", validate_choice=False), min_entries=PARTNER_SLOTS, max_entries=PARTNER_SLOTS)


class ButtonForm(FlaskForm):
    """A form with only its CSRF token (skip, stop a schedule)."""
