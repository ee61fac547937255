"""Fixed vocabularies from the SOP and UN practice (categories and tags are data, in models)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PartnerKind(models.TextChoices):
    ORGANISATION = "organisation", _("Organisation")
    INDIVIDUAL = "individual", _("Individual")


class Channel(models.TextChoices):
    """The nine channels through which the SOP says partners are identified."""

    CALL_FOR_EOI = "call_for_eoi", _("Call for expressions of interest (including implementing partners)")
    ACCREDITATION = "accreditation", _("Accreditation and engagement in intergovernmental processes")
    ADVOCACY = "advocacy", _("Advocacy campaign")
    EVENT = "event", _("Workshop, networking event or other meeting")
    URBAN_FORUM = "urban_forum", _("World, Regional or National Urban Forum")
    INTELLIGENCE = "intelligence", _("Partnership intelligence, desk research and reviews")
    RECOMMENDATION = "recommendation", _("Recommendation by a Member State or partner organisation")
    COMPETITION = "competition", _("Competition or award, including best practices")
    REQUEST = "request", _("Request from a potential partner interested in UN-Habitat's mandate")


class EcosocStatus(models.TextChoices):
    NONE = "", _("None")
    GENERAL = "general", _("General")
    SPECIAL = "special", _("Special")
    ROSTER = "roster", _("Roster")


class UNLanguage(models.TextChoices):
    ARABIC = "ar", _("Arabic")
    CHINESE = "zh-hans", _("Chinese")
    ENGLISH = "en", _("English")
    FRENCH = "fr", _("French")
    RUSSIAN = "ru", _("Russian")
    SPANISH = "es", _("Spanish")


class NameKind(models.TextChoices):
    ALTERNATIVE = "alternative", _("Alternative name")
    FORMER = "former", _("Former name")


class TagKind(models.TextChoices):
    THEME = "theme", _("Thematic area")
    SDG = "sdg", _("SDG 11 target")
    NUA = "nua", _("New Urban Agenda commitment")


class RelationshipType(models.TextChoices):
    MEMBER_OF = "member_of", _("is a member of")
    AFFILIATE_OF = "affiliate_of", _("is an affiliate of")
    FUNDS = "funds", _("funds")
    PARTNERS_WITH = "partners_with", _("partners with")
    COUNTRY_OFFICE_OF = "country_office_of", _("is a country office of")
    SUCCEEDED_BY = "succeeded_by", _("was succeeded by")


class ContactChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    POST = "post", _("Post")
