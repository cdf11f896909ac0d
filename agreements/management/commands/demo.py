import datetime
from collections.abc import Iterator
from typing import Any

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from agreements import services
from agreements.models import Agreement, Category, Kind, Need, Participant, Response, Version

DEMO_PASSWORD = "accord-demo-2026"  # noqa: S105 - printed on purpose, demo only
DEMO_PEOPLE = [
    ("alice@example.com", "Alice", "Europe/Amsterdam"),
    ("bob@example.com", "Bob", "Europe/London"),
]
DEMO_TITLE = "Alice & Bob, this year"


class Command(BaseCommand):
    help = "Create two demo people with an agreement in negotiation, and print their logins."

    def handle(self, *args: Any, **options: Any) -> None:
        alice, bob = (self._person(*person) for person in DEMO_PEOPLE)
        if not Agreement.objects.filter(title=DEMO_TITLE, participants__user=alice).exists():
            self._agreement(alice, bob)
        self.stdout.write(self.style.SUCCESS(f"Demo people (password for both: {DEMO_PASSWORD}):"))
        for email, name, _tz in DEMO_PEOPLE:
            self.stdout.write(f"  {name}: {email}")

    def _person(self, email: str, name: str, time_zone: str) -> User:
        user, created = User.objects.get_or_create(
            email=email, defaults={"display_name": name, "time_zone": time_zone}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user

    @transaction.atomic
    def _agreement(self, alice: User, bob: User) -> None:
        """An agreement in the middle of negotiation, with a need in every state."""
        start = timezone.now() - datetime.timedelta(days=2)
        at = iter(start + datetime.timedelta(minutes=7 * n) for n in range(100))
        agreement = services.agreement_create(
            creator=alice, title=DEMO_TITLE, kind=Kind.PARTNERS, now=next(at)
        )
        Participant.objects.create(agreement=agreement, user=bob, joined_at=next(at))
        version = agreement.versions.get()
        _answered_needs(version, alice, bob, at)
        _open_needs(version, alice, bob, at)


def _put_down(
    version: Version,
    at: Iterator[datetime.datetime],
    author: User,
    statement: str,
    looks_like: str,
    category: str,
) -> Need:
    need = services.need_draft(
        version=version,
        author=author,
        statement=statement,
        looks_like=looks_like,
        category=category,
        now=next(at),
    )
    return services.need_put_down(need=need, actor=author, now=next(at))


def _answered_needs(
    version: Version, alice: User, bob: User, at: Iterator[datetime.datetime]
) -> None:
    """A need picked up, one declined, one answered with a counter-proposal."""
    agreed = _put_down(
        version,
        at,
        alice,
        "Show up when you say you will.",
        "If you will be more than ten minutes late, you message me before the time.",
        Category.RELIABILITY,
    )
    services.need_respond(
        need=agreed, party=bob, answer=Response.Answer.ACCEPT, reason="Fair.", now=next(at)
    )
    declined = _put_down(
        version,
        at,
        bob,
        "Share my location with you at all times.",
        "",
        Category.TRANSPARENCY,
    )
    services.need_respond(
        need=declined,
        party=alice,
        answer=Response.Answer.DECLINE,
        reason="I would rather tell you where I am than be tracked.",
        now=next(at),
    )
    countered = _put_down(
        version,
        at,
        alice,
        "Spend every evening together.",
        "",
        Category.TIME_TOGETHER,
    )
    services.need_respond(
        need=countered,
        party=bob,
        answer=Response.Answer.COUNTER,
        counter_statement="Spend two evenings a week together, just us.",
        counter_looks_like="Tuesdays and Fridays, phones away.",
        reason="Every evening leaves no room for friends.",
        now=next(at),
    )


def _open_needs(version: Version, alice: User, bob: User, at: Iterator[datetime.datetime]) -> None:
    """A need waiting on Alice, with a comment; one waiting on Bob; and Alice's draft."""
    waiting = _put_down(
        version,
        at,
        bob,
        "Tell me what is on your mind.",
        "When something bothers you, you bring it up within a day or two.",
        Category.HONESTY,
    )
    services.need_comment(need=waiting, author=bob, body="This matters most to me.", now=next(at))
    _put_down(
        version,
        at,
        alice,
        "Give me an hour to myself after work.",
        "When I come home, I get an hour before we talk about the day.",
        Category.PERSONAL_SPACE,
    )
    services.need_draft(
        version=version,
        author=alice,
        statement="Plan a holiday together by March.",
        category=Category.TIME_TOGETHER,
        now=next(at),
    )
