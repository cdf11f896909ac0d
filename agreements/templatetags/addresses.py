from django import template

from agreements import services

register = template.Library()


@register.filter
def masked(email: str) -> str:
    """An address as shown to someone who may not be its owner: "b…@example.org"."""
    return services.masked_address(email)
