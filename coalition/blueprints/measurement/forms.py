from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, FloatField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from coalition.blueprints.forms import WeightField


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter, it changes nothing

    from_month = StringField("From month", validators=[Optional()], render_kw={"type": "month", "placeholder": "YYYY-MM"})
    to_month = StringField("To month", validators=[Optional()], render_kw={"type": "month", "placeholder": "YYYY-MM"})


class GoalForm(FlaskForm):
    baseline_value = FloatField("Baseline food-insecurity rate (%)", validators=[InputRequired()])
    baseline_year = IntegerField("Baseline year", validators=[InputRequired()])
    target_reduction_pct = FloatField("Target reduction (%)", default=30.0, validators=[InputRequired()])
    target_year = IntegerField("Target year (default: baseline + 5)", validators=[Optional()])
    trajectory = SelectField("Trajectory")
    milestones = TextAreaField("Yearly milestones (custom trajectory), e.g. 2027=12.5, 2028=11.9",
                               validators=[Optional(), Length(max=500)])


class SettingsForm(FlaskForm):
    # Typed and shown in the coalition's unit (1.2 lb or 0.544 kg); stored in kilograms.
    kg_per_meal = WeightField("{Unit} of food per meal", validators=[InputRequired()])
    co2e_per_kg = FloatField("kg CO2e avoided per kg of food", validators=[InputRequired()])
    public_dashboard = BooleanField("Show the public dashboard (aggregates only)")


class RateForm(FlaskForm):
    year = IntegerField("Year", validators=[InputRequired()])
    value = FloatField("Food-insecurity rate (%)", validators=[InputRequired()])
    source = StringField("Source (survey or publication)", validators=[InputRequired(), Length(max=300)])
    neighborhood_id = SelectField("Where", validators=[Optional()])


class ImportForm(FlaskForm):
    file = FileField("Boundary file (GeoJSON, GeoPackage or zipped Shapefile)", validators=[FileRequired()])
    source = StringField("Source of the figures", validators=[Optional(), Length(max=300)])
    year = IntegerField("Year of the figures", validators=[Optional()])


class ReportForm(FlaskForm):
    organization_id = SelectField("Partner", validators=[InputRequired()])
    period = StringField("Month (YYYY-MM)", validators=[InputRequired()])
    visits = IntegerField("Visits (every visit counts)", validators=[InputRequired()])
    individuals = IntegerField("Unduplicated individuals (if known)", validators=[Optional()])
    households = IntegerField("Households (if known)", validators=[Optional()])
    meals_on_site = IntegerField("Meals served on site (if any)", validators=[Optional()])


class ReportUploadForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired()])


class RemindForm(FlaskForm):
    period = HiddenField("Month")
