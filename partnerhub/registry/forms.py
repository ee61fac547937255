from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from partnerhub.org.models import Office
from partnerhub.registry.choices import Channel, EcosocStatus, NameKind, RelationshipType, TagKind, UNLanguage
from partnerhub.registry.models import Contact, Country, Partner, StakeholderCategory, Tag
from partnerhub.registry.states import PartnerStatus


def _style(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.CheckboxSelectMultiple):
            continue
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


class CountryChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class PartnerForm(forms.ModelForm[Partner]):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    country = CountryChoiceField(queryset=Country.objects.all(), required=False, label=_("Country"))
    registration_country = CountryChoiceField(
        queryset=Country.objects.all(), required=False, label=_("Country of registration")
    )
    other_categories = forms.ModelMultipleChoiceField(
        queryset=StakeholderCategory.objects.filter(is_active=True),
        required=False,
        label=_("Other categories"),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.all(),
        required=False,
        label=_("Themes, SDG 11 targets and NUA commitments"),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    alternative_names = forms.CharField(
        label=_("Alternative and former names"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One per line, optionally followed by “|” and a language code, e.g. “Cités Unies | fr”. "
            "Start a line with “former:” for a former name."
        ),
    )
    confirm_not_duplicate = forms.BooleanField(
        label=_("I have checked the possible duplicates above: this is a different organisation"),
        required=False,
    )

    class Meta:
        model = Partner
        fields = [
            "kind",
            "name",
            "acronym",
            "primary_category",
            "other_categories",
            "country",
            "legal_status",
            "registration_number",
            "registration_country",
            "website",
            "email",
            "phone",
            "address",
            "preferred_language",
            "parent",
            "description",
            "expertise",
            "tags",
            "identified_channel",
            "identified_on",
            "identification_detail",
            "ecosoc_status",
            "ecosoc_year",
            "owning_office",
            "relationship_manager",
        ]
        widgets = {
            "identified_on": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "expertise": forms.Textarea(attrs={"rows": 2}),
            "address": forms.Textarea(attrs={"rows": 2}),
            "parent": forms.NumberInput(),
        }
        labels = {"parent": _("Headquarters (partner number)")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["primary_category"].queryset = StakeholderCategory.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["owning_office"].queryset = Office.objects.filter(is_active=True)  # type: ignore[attr-defined]
        from partnerhub.accounts.models import User

        self.fields["relationship_manager"].queryset = User.objects.filter(is_active=True).exclude(  # type: ignore[attr-defined]
            roles__code="partner"
        )
        if self.instance.pk:
            lines = []
            for n in self.instance.names.all():
                prefix = "former: " if n.kind == NameKind.FORMER else ""
                lines.append(f"{prefix}{n.name}" + (f" | {n.language}" if n.language else ""))
            self.fields["alternative_names"].initial = "\n".join(lines)
            self.fields["other_categories"].initial = list(self.instance.other_categories.all())
            self.fields["tags"].initial = list(self.instance.tags.all())
        _style(self)

    def clean_alternative_names(self) -> list[tuple[str, str, str]]:
        names = []
        for raw in (self.cleaned_data.get("alternative_names") or "").splitlines():
            line = raw.strip()
            if not line:
                continue
            kind = NameKind.ALTERNATIVE
            if line.lower().startswith("former:"):
                kind, line = NameKind.FORMER, line[7:].strip()
            name, _sep, language = line.partition("|")
            language = language.strip().lower()
            if language and language not in UNLanguage.values and len(language) > 10:
                raise forms.ValidationError(_("“%(lang)s” is not a language code.") % {"lang": language})
            names.append((name.strip(), language, str(kind)))
        return names


class PartnerFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    category = forms.ModelMultipleChoiceField(
        label=_("Category"), queryset=StakeholderCategory.objects.all(), required=False
    )
    region = forms.CharField(label=_("Region"), required=False)
    country = forms.CharField(label=_("Country"), required=False, max_length=2)
    status = forms.MultipleChoiceField(label=_("Status"), choices=PartnerStatus.choices, required=False)
    theme = forms.ModelMultipleChoiceField(label=_("Tag"), queryset=Tag.objects.all(), required=False)
    channel = forms.ChoiceField(
        label=_("Identified through"), choices=[("", _("Any channel")), *Channel.choices], required=False
    )
    office = forms.ModelChoiceField(label=_("Owning office"), queryset=Office.objects.all(), required=False)
    ecosoc = forms.ChoiceField(
        label=_("ECOSOC status"),
        choices=[("", _("Any")), *[c for c in EcosocStatus.choices if c[0]]],
        required=False,
    )
    created_year = forms.IntegerField(label=_("Created in"), required=False, min_value=1978, max_value=2100)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("name", _("Name A–Z")),
            ("-name", _("Name Z–A")),
            ("-created", _("Newest first")),
            ("created", _("Oldest first")),
            ("country", _("Country")),
            ("status", _("Status")),
        ],
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=PartnerStatus.choices)
    reason = forms.CharField(required=False, max_length=500)


class ContactForm(forms.ModelForm[Contact]):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    emails_text = forms.CharField(
        label=_("E-mail addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line."),
    )
    phones_text = forms.CharField(
        label=_("Phone numbers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, with the country code."),
    )

    class Meta:
        model = Contact
        fields = [
            "honorific",
            "given_name",
            "family_name",
            "preferred_language",
            "consent_email",
            "consent_phone",
            "consent_post",
            "do_not_contact",
            "email_on_hold",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["emails_text"].initial = "\n".join(self.instance.emails or [])
            self.fields["phones_text"].initial = "\n".join(self.instance.phones or [])
        _style(self)

    def contact_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k in self.Meta.fields}
        data["emails"] = [
            e.strip() for e in (self.cleaned_data.get("emails_text") or "").splitlines() if e.strip()
        ]
        data["phones"] = [
            p.strip() for p in (self.cleaned_data.get("phones_text") or "").splitlines() if p.strip()
        ]
        return data


class RoleForm(forms.Form):
    title = forms.CharField(label=_("Role or title"), required=False, max_length=200)
    is_key_person = forms.BooleanField(
        label=_("Key person (head, director, board member, signatory)"), required=False
    )
    is_primary = forms.BooleanField(label=_("Main contact"), required=False)
    start_date = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class RelationshipForm(forms.Form):
    kind = forms.ChoiceField(label=_("Relationship"), choices=RelationshipType.choices)
    target = forms.IntegerField(label=_("Other partner (number)"), min_value=1)
    start_date = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class CategoryForm(forms.ModelForm[StakeholderCategory]):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    focal_offices = forms.ModelMultipleChoiceField(
        queryset=Office.objects.filter(is_active=True),
        required=False,
        label=_("Focal-point offices"),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    class Meta:
        model = StakeholderCategory
        fields = ["name", "focal_offices", "focal_note", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class EraseForm(forms.Form):
    reason = forms.CharField(
        label=_("Request being answered"),
        max_length=500,
        help_text=_("E.g. “e-mail from the person of 3 March asking to be forgotten”."),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


TAG_KIND_LABELS = dict(TagKind.choices)
