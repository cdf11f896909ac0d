from typing import Any

from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "agreements"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from allauth.account.signals import email_changed

        from agreements import revisions

        revisions.connect()
        email_changed.connect(_address_changed, dispatch_uid="agreements.address_changed")


def _address_changed(
    sender: Any, user: Any, from_email_address: Any, to_email_address: Any, **kwargs: Any
) -> None:
    """A person's primary address changed: invitations are matched by address."""
    from agreements import services

    old = from_email_address.email if from_email_address else ""
    services.address_changed(user=user, addresses=[old, to_email_address.email])
