from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partnerhub.screening.models import ChangeKind, EntryKind, ListSource
from partnerhub.screening.services import MAX_LIST_BYTES

ACCEPT = ".xml,.csv,.txt,application/xml,text/xml,text/csv"


class ListUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("List file"),
        help_text=gettext_lazy("The list as published: UN XML or CSV, at most 50 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT, "class": "form-control"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_LIST_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)d MB; a sanctions list is far smaller.")
                % {"size": MAX_LIST_BYTES >> 20}
            )
        return upload


class ListSourceForm(forms.ModelForm[ListSource]):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ListSource
        fields = ["code", "name", "format", "refresh_url", "refresh_enabled"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The code names the list in commands and URLs; it stays as it was created.
            self.fields["code"].disabled = True
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "form-select")
            elif not isinstance(field.widget, forms.HiddenInput):
                field.widget.attrs.setdefault("class", "form-control")

    def _post_clean(self) -> None:
        # Model validation and saving are the service's job (it also checks the rules between fields).
        pass


class EntryFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Name or reference"), required=False, max_length=200)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        required=False,
        choices=[("", gettext_lazy("People and organisations")), *EntryKind.choices],
    )


class ChangeFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Change"),
        required=False,
        choices=[("", gettext_lazy("All changes")), *ChangeKind.choices],
    )
    q = forms.CharField(label=gettext_lazy("Name or reference"), required=False, max_length=200)
    matching = forms.BooleanField(label=gettext_lazy("Only changes that can affect matching"), required=False)
