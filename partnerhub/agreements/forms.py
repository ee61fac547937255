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
from partnerhub.registry.selectors import partners_visible_to

PARTY_SEARCH_LIMIT = 10


def visible_partners(user: Any, ids: list[int]) -> list[Partner]:
    """The partners with these ids that the user may see (the registry's selector), in the order given."""
    if not ids:
        return []
    found = {
        p.pk: p
        for p in partners_visible_to(user=user)
        .filter(pk__in=ids)
        .select_related("country", "primary_category")
    }
    return [found[i] for i in ids if i in found]


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


class PartyPickerWidget(forms.Widget):
    """The party picker: the template draws the search box and the chosen parties, each a hidden
    `parties=<id>` input; the value is every id sent."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.getlist(name) if hasattr(data, "getlist") else data.get(name)


def party_ids(values: Any) -> list[int]:
    """The partner ids among `values`, in order and without repeats; anything else is dropped."""
    if not isinstance(values, list | tuple):
        values = [values] if values else []
    ids = [int(v) for v in (str(raw).strip() for raw in values) if v.isdigit()]
    return list(dict.fromkeys(ids))


class PartiesField(forms.Field):
    """Partner ids chosen with the party picker; the form checks the user may see each of them."""

    widget = PartyPickerWidget
    default_error_messages = {"required": _("Add at least one partner as a party.")}

    def to_python(self, value: Any) -> list[int]:
        values = value if isinstance(value, list | tuple) else [value] if value else []
        texts = [str(v).strip() for v in values if str(v).strip()]
        if any(not t.isdigit() for t in texts):
            raise forms.ValidationError(_("Choose the parties with the search box."))
        return party_ids(texts)


class AgreementForm(forms.Form):
    instrument = forms.ModelChoiceField(
        label=_("Instrument"), queryset=InstrumentType.objects.filter(is_active=True), to_field_name="code"
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    parties = PartiesField(
        label=_("Parties"),
        help_text=_(
            "Find each partner by name or acronym and add it; an agreement may have several parties."
        ),
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

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        _bootstrap(self)

    def clean_parties(self) -> list[Partner]:
        """The chosen partners, in order; ids that are unknown or not visible to the user are refused."""
        ids: list[int] = self.cleaned_data["parties"]
        found = visible_partners(self.user, ids)
        missing = [str(i) for i in ids if i not in {p.pk for p in found}]
        if missing:
            raise forms.ValidationError(
                _("No partner has the number %(numbers)s.") % {"numbers": ", ".join(missing)}
            )
        return found

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
