"""The reminders follow every change: the core settles the agreement inside the change's
transaction (check-ins too, `checkins.services`), and the agreement's pending reminders are
planned again from what it now calls for."""

import datetime
from typing import Any

from agreements.models import Agreement
from agreements.rules import Loaded
from notifications import planning


def agreement_settled(
    sender: Any, *, agreement: Agreement, now: datetime.datetime, loaded: Loaded, **kwargs: Any
) -> None:
    planning.plan_agreement(agreement, now=now, loaded=loaded)
