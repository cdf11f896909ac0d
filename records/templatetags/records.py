from django import template

from agreements.models import Version
from records import verification

register = template.Library()


@register.simple_tag
def verification_code(version: Version) -> str:
    """The grouped verification code of a version everyone signed; empty for any other."""
    if not verification.is_sealed(version):
        return ""
    return verification.grouped(verification.version_code(version))
