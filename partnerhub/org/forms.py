from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from partnerhub.org.models import Office, OfficeKind


class OfficeForm(forms.ModelForm[Office]):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Office
        fields = ["name", "acronym", "code", "kind", "parent", "email", "city", "region_served", "is_active"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        parent = self.fields["parent"]
        assert isinstance(parent, forms.ModelChoiceField)
        queryset = Office.objects.filter(is_active=True).order_by("name")
        if self.instance.pk:
            queryset = queryset.exclude(pk=self.instance.pk)
        parent.queryset = queryset
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            if isinstance(field.widget, forms.CheckboxInput):
                css = "form-check-input"
            field.widget.attrs.setdefault("class", css)


class OfficeFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *OfficeKind.choices]
    )
    inactive = forms.BooleanField(label=_("Include inactive"), required=False)
