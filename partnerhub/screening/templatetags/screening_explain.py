from django import template

from partnerhub.screening.explain import translate_explanation

register = template.Library()


@register.filter
def explanation(text: str) -> str:
    """The matching engine's explanation in the page's language."""
    return translate_explanation(text or "")
