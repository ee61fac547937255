"""Forms for the alert pages: the list's filters and the review decision. They check shape only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from partnerhub.screening.models_monitoring import AlertStatus


class AlertFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *AlertStatus.choices]
    )
    q = forms.CharField(label=_("Name or reference"), required=False, max_length=200)
    partner = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class AlertDecisionForm(forms.Form):
    DECISIONS = (("confirm", _("Confirm the match")), ("dismiss", _("Dismiss as not a match")))

    decision = forms.ChoiceField(
        label=_("Is this the listed party?"), choices=DECISIONS, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required. What you compared and why you decided so; kept in the audit log."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = _("Give the reason for this decision.")
        self.fields["decision"].error_messages["required"] = _("Choose whether to confirm or dismiss.")
