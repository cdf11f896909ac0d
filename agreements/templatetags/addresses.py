from django import template
from django.utils.html import format_html, format_html_join
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
    if len(people) < 2:
        return format_html_join("", "<bdi>{}</bdi>", ((person.name,) for person in people))
    most = format_html_join(", ", "<bdi>{}</bdi>", ((person.name,) for person in people[:-1]))
    last = format_html("<bdi>{}</bdi>", people[-1].name)
    return format_html(_("{most} and {last}"), most=most, last=last)
