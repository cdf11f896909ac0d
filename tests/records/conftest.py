"""Agreements in the states the records pages care about, built through the rules."""

import datetime

from accounts.models import User
from agreements import services
from agreements.models import Agreement, Version
from tests.agreements.helpers import answer, join, put_down, seal


def sealed(
    creator: User, other: User, *, title: str = "Our home", review_cadence: str = "none"
) -> tuple[Agreement, Version]:
    """An agreement between two people, one need agreed and the version signed by both."""
    agreement = services.agreement_create(
        creator=creator, title=title, review_cadence=review_cadence
    )
    join(agreement, other, inviter=creator)
    answer(put_down(agreement, creator, "Tell me when you will be late"), other)
    return agreement, seal(agreement, creator, other)


def days(n: float) -> datetime.timedelta:
    return datetime.timedelta(days=n)
