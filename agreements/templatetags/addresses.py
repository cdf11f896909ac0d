from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from accounts.models import User
from agreements import services

register = template.Library()


@register.filter
def masked(email: str) -> str:
    """An address as shown to someone who may not be its owner: "b…@example.org"."""
    return services.masked_address(email)


@register.filter
def names(people: list[User]) -> str:
    """People's names as a sentence says them: "Ben", "Ben and Cleo", "Ann, Ben and Cleo"."""
    said = [format_html("<bdi>{}</bdi>", person.name) for person in people]
    if len(said) < 2:
        return mark_safe("".join(said))  # each name escaped by format_html
    return format_html(_("{most} and {last}"), most=mark_safe(", ".join(said[:-1])), last=said[-1])
