"""Forms check the shape of what is typed; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from partnerhub.diligence.choices import (
    Depth,
    Engagement,
    ExclusionAnswerValue,
    Rating,
    Recency,
    Remediation,
    Section,
)
from partnerhub.diligence.models import DiligenceCase, RiskArea
from partnerhub.diligence.states import CaseStatus, Decision

BLANK = [("", "—")]


class Styled:
    """Bootstrap classes on every widget, set once the fields exist."""

    fields: dict[str, forms.Field]

    def style(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)


class OpenCaseForm(Styled, forms.Form):
    engagement = forms.ChoiceField(label=_("Intended engagement"), choices=Engagement.choices)
    purpose = forms.CharField(
        label=_("Purpose of the engagement"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    amount = forms.DecimalField(
        label=_("Amount"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    currency = forms.CharField(label=_("Currency"), initial="USD", max_length=3, min_length=3)
    depth = forms.ChoiceField(
        label=_("Depth"),
        choices=[("", _("As proposed")), *Depth.choices],
        required=False,
        help_text=_("You may raise the proposed depth, not lower it."),
    )
    depth_reason = forms.CharField(
        label=_("Why the depth is raised"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CaseEditForm(Styled, forms.ModelForm):  # type: ignore[type-arg]
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = DiligenceCase
        fields = [
            "engagement",
            "purpose",
            "amount",
            "currency",
            "depth",
            "depth_reason",
            "registration_certificate_expiry",
            "governing_body",
            "beneficial_owners",
            "key_persons",
            "override_complex",
            "override_reason",
        ]
        widgets = {
            "registration_certificate_expiry": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "purpose": forms.Textarea(attrs={"rows": 2}),
            "depth_reason": forms.Textarea(attrs={"rows": 2}),
            "governing_body": forms.Textarea(attrs={"rows": 2}),
            "beneficial_owners": forms.Textarea(attrs={"rows": 2}),
            "key_persons": forms.Textarea(attrs={"rows": 2}),
            "override_reason": forms.Textarea(attrs={"rows": 2}),
        }


class ExclusionsForm(Styled, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, case: DiligenceCase, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = list(case.exclusion_answers.select_related("criterion"))
        for row in self.rows:
            code = row.criterion.code
            self.fields[f"answer_{code}"] = forms.ChoiceField(
                label=row.criterion.display_label,
                choices=BLANK + list(ExclusionAnswerValue.choices),
                required=False,
                initial=row.answer,
            )
            self.fields[f"note_{code}"] = forms.CharField(
                label=_("Note"), required=False, initial=row.note, max_length=4000
            )

    def answers(self) -> dict[str, tuple[str, str]]:
        data = self.cleaned_data
        return {
            r.criterion.code: (data[f"answer_{r.criterion.code}"], data[f"note_{r.criterion.code}"])
            for r in self.rows
        }

    def pairs(self) -> list[tuple[Any, Any]]:
        return [(self[f"answer_{r.criterion.code}"], self[f"note_{r.criterion.code}"]) for r in self.rows]


class RisksForm(Styled, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    MEDIA_FIELDS = ("severity", "recency", "remediation")

    def __init__(self, *args: Any, case: DiligenceCase, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = list(case.risk_answers.select_related("area"))
        for row in self.rows:
            code = row.area.code
            self.fields[f"level_{code}"] = forms.ChoiceField(
                label=row.area.display_label,
                choices=BLANK + list(Rating.choices),
                required=False,
                initial=row.level,
            )
            self.fields[f"notes_{code}"] = forms.CharField(
                label=_("Findings"),
                required=False,
                initial=row.notes,
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 1}),
            )
            if code == "adverse-media":
                self.fields[f"severity_{code}"] = forms.ChoiceField(
                    label=_("Severity"),
                    choices=BLANK + list(Rating.choices),
                    required=False,
                    initial=row.severity,
                )
                self.fields[f"recency_{code}"] = forms.ChoiceField(
                    label=_("Recency"),
                    choices=BLANK + list(Recency.choices),
                    required=False,
                    initial=row.recency,
                )
                self.fields[f"remediation_{code}"] = forms.ChoiceField(
                    label=_("Remediation"),
                    choices=BLANK + list(Remediation.choices),
                    required=False,
                    initial=row.remediation,
                )

    def answers(self) -> dict[str, dict[str, str]]:
        data = self.cleaned_data
        result: dict[str, dict[str, str]] = {}
        for row in self.rows:
            code = row.area.code
            values = {"level": data[f"level_{code}"], "notes": data[f"notes_{code}"]}
            for name in self.MEDIA_FIELDS:
                if f"{name}_{code}" in data:
                    values[name] = data[f"{name}_{code}"]
            result[code] = values
        return result

    def groups(self) -> list[dict[str, Any]]:
        out = []
        for row in self.rows:
            code = row.area.code
            out.append(
                {
                    "area": row.area,
                    "level": self[f"level_{code}"],
                    "notes": self[f"notes_{code}"],
                    "media": [self[f"{n}_{code}"] for n in self.MEDIA_FIELDS if f"{n}_{code}" in self.fields],
                }
            )
        return out


class MitigationForm(Styled, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField(
        label=_("Measure or condition"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    area = forms.ChoiceField(label=_("Risk area it addresses"), required=False)
    is_condition = forms.BooleanField(label=_("Condition of approval"), required=False)
    lowers_rating = forms.BooleanField(label=_("Lowers the rating"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area = self.fields["area"]
        assert isinstance(area, forms.ChoiceField)
        area.choices = [
            ("", _("None in particular")),
            *[(a.code, a.display_label) for a in RiskArea.objects.filter(is_active=True)],
        ]


class AttachmentForm(Styled, forms.Form):
    section = forms.ChoiceField(label=_("Section"), choices=Section.choices)
    file = forms.FileField(label=_("File (PDF or image)"))
    description = forms.CharField(label=_("Description"), required=False, max_length=200)


class ActionForm(Styled, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class DecisionForm(Styled, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect)
    reasons = forms.CharField(label=_("Reasons"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    conditions = forms.CharField(
        label=_("Conditions"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when approving with conditions."),
    )


class CaseFilterForm(Styled, forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *CaseStatus.choices], required=False
    )
    q = forms.CharField(label=_("Partner"), required=False, max_length=200)


def styled[F: forms.BaseForm](form: F) -> F:
    """The form with Bootstrap classes on its widgets."""
    if isinstance(form, Styled):
        form.style()
    return form
