from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from partnerhub.core.i18n import translated
from partnerhub.core.models import TrackedModel


class OfficeKind(models.TextChoices):
    OFFICE = "office", _("Office")  # an executive office such as the OED or a secretariat
    DIVISION = "division", _("Division")
    BRANCH = "branch", _("Branch")
    SECTION = "section", _("Section")
    UNIT = "unit", _("Unit")
    REGIONAL = "regional", _("Regional office")
    LIAISON = "liaison", _("Liaison office")


class Region(models.TextChoices):
    GLOBAL = "global", _("Global")
    AFRICA = "africa", _("Africa")
    ASIA_PACIFIC = "asia_pacific", _("Asia and the Pacific")
    ARAB_STATES = "arab_states", _("Arab States")
    LATIN_AMERICA = "latin_america", _("Latin America and the Caribbean")
    EUROPE = "europe", _("Europe")
    NORTH_AMERICA = "north_america", _("North America")


class Office(TrackedModel):
    """A unit of UN-Habitat's structure; staff belong to one and focal-point duties point at them."""

    code = models.SlugField(
        _("code"), max_length=40, unique=True, help_text=_("Stable identifier used in reference numbers.")
    )
    name = models.CharField(_("name"), max_length=200)
    name_translations = models.JSONField(
        _("name in other languages"), default=dict, blank=True, help_text=_("Language code → name.")
    )
    acronym = models.CharField(_("acronym"), max_length=20, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OfficeKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    email = models.EmailField(_("e-mail"), blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region_served = models.CharField(
        _("region served"), max_length=20, choices=Region.choices, default=Region.GLOBAL
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=OfficeKind.values), name="org_office_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(region_served__in=Region.values), name="org_office_region_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("id")), name="org_office_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return translated(self.name, self.name_translations)

    def ancestors(self) -> list[Office]:
        chain: list[Office] = []
        node = self.parent
        while node is not None and node not in chain:
            chain.append(node)
            node = node.parent
        return chain
