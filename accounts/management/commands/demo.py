from typing import Any

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand

from accounts.models import User

DEMO_PASSWORD = "accord-demo-2026"  # noqa: S105 - printed on purpose, demo only
DEMO_PEOPLE = [
    ("alice@example.com", "Alice", "Europe/Amsterdam"),
    ("bob@example.com", "Bob", "Europe/London"),
]


class Command(BaseCommand):
    help = "Create (or refresh) two demo people and print their logins."

    def handle(self, *args: Any, **options: Any) -> None:
        for email, name, time_zone in DEMO_PEOPLE:
            user, created = User.objects.get_or_create(
                email=email, defaults={"display_name": name, "time_zone": time_zone}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
        self.stdout.write(self.style.SUCCESS(f"Demo people (password for both: {DEMO_PASSWORD}):"))
        for email, name, _tz in DEMO_PEOPLE:
            self.stdout.write(f"  {name}: {email}")
