"""Forms check the shape of what people type; the services check the business rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from partnerhub.agreements.choices import FundsFlow, Purpose
from partnerhub.agreements.models import InstrumentType
from partnerhub.agreements.states import AgreementStatus
from partnerhub.org.models import Office
from partnerhub.registry.models import Partner, StakeholderCategory

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _bootstrap(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


class AdvisorForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Partner category"),
        queryset=StakeholderCategory.objects.filter(is_active=True).order_by("number"),
        to_field_name="code",
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    funds_flow = forms.ChoiceField(label=_("Funds flow"), choices=FundsFlow.choices)
    amount = forms.DecimalField(
        label=_("Amount (USD)"), required=False, min_value=0, max_digits=14, decimal_places=2
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bootstrap(self)

    def _choices(self, name: str, choices: list[tuple[str, Any]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


class PartnerNumbersField(forms.CharField):
    """Partners by the numbers shown on their pages, separated by commas."""

    def clean(self, value: Any) -> list[Partner]:
        text = super().clean(value)
        numbers: list[int] = []
        for raw in str(text or "").replace(";", ",").split(","):
            part = raw.strip()
            if not part:
                continue
            if not part.isdigit():
                raise forms.ValidationError(_("Enter partner numbers separated by commas."))
            numbers.append(int(part))
        if not numbers:
            raise forms.ValidationError(_("Add at least one partner as a party."))
        found = {p.pk: p for p in Partner.objects.filter(pk__in=numbers).select_related("primary_category")}
        missing = [str(n) for n in numbers if n not in found]
        if missing:
            raise forms.ValidationError(
                _("No partner has the number %(numbers)s.") % {"numbers": ", ".join(missing)}
            )
        return [found[n] for n in dict.fromkeys(numbers)]


class AgreementForm(forms.Form):
    instrument = forms.ModelChoiceField(
        label=_("Instrument"), queryset=InstrumentType.objects.filter(is_active=True), to_field_name="code"
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    partners = PartnerNumbersField(
        label=_("Parties (partner numbers)"),
        help_text=_("The number shown on each partner's page, separated by commas."),
    )
    owning_office = forms.ModelChoiceField(
        label=_("Owning office"), queryset=Office.objects.filter(is_active=True), to_field_name="code"
    )
    title = forms.CharField(label=_("Title"), max_length=300)
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    start_date = forms.DateField(label=_("Start date"), widget=DATE)
    end_date = forms.DateField(label=_("End date"), widget=DATE)
    value = forms.DecimalField(label=_("Value"), required=False, min_value=0, max_digits=14, decimal_places=2)
    currency = forms.CharField(label=_("Currency"), required=False, max_length=3)
    # The advisor's question, carried from the advisor page so its answer is recorded with the draft.
    advice_category = forms.CharField(required=False, widget=forms.HiddenInput)
    advice_purpose = forms.CharField(required=False, widget=forms.HiddenInput)
    advice_funds_flow = forms.CharField(required=False, widget=forms.HiddenInput)
    advice_amount = forms.DecimalField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bootstrap(self)

    def _choices(self, name: str, choices: list[tuple[str, Any]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


class VersionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    start_date = forms.DateField(label=_("Start date"), widget=DATE)
    end_date = forms.DateField(label=_("End date"), widget=DATE)
    value = forms.DecimalField(label=_("Value"), required=False, min_value=0, max_digits=14, decimal_places=2)
    currency = forms.CharField(label=_("Currency"), required=False, max_length=3)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bootstrap(self)

    def _choices(self, name: str, choices: list[tuple[str, Any]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


class ListFilterForm(forms.Form):
    q = forms.CharField(label=_("Search reference, title or partner"), required=False)
    instrument = forms.ChoiceField(label=_("Instrument"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *AgreementStatus.choices]
    )
    office = forms.ChoiceField(label=_("Owning office"), required=False)
    category = forms.ChoiceField(label=_("Partner category"), required=False)
    region = forms.ChoiceField(label=_("Partner region"), required=False)
    expiring_within = forms.IntegerField(
        label=_("Active and ending within (days)"), required=False, min_value=0, max_value=3650
    )
    waiting = forms.ChoiceField(
        label=_("Waiting for"), required=False, choices=[("", _("Anyone")), ("me", _("My clearance"))]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices(
            "instrument",
            [("", _("Any instrument"))] + [(i.code, i.display_name) for i in InstrumentType.objects.all()],
        )
        self._choices(
            "office",
            [("", _("Any office"))]
            + [(o.code, o.display_name) for o in Office.objects.filter(is_active=True)],
        )
        self._choices(
            "category",
            [("", _("Any category"))]
            + [(c.code, c.display_name) for c in StakeholderCategory.objects.order_by("number")],
        )
        self._choices(
            "region",
            [
                ("", _("Any region")),
                ("002", _("Africa")),
                ("019", _("Americas")),
                ("142", _("Asia")),
                ("150", _("Europe")),
                ("009", _("Oceania")),
            ],
        )
        _bootstrap(self)

    def _choices(self, name: str, choices: list[tuple[str, Any]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
