"""Alice and Bob with a sealed agreement: each made the other one commitment."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import User
from agreements.models import Agreement, Need
from checkins import services
from checkins.models import CheckIn
from tests.agreements.factories import AgreementFactory, answer, open_version, put_down, seal

WEEK = datetime.timedelta(days=7)
# Views read the clock, so the story is set around today: the first check-in opened yesterday.
SEALED = (
    timezone.now().replace(minute=0, second=0, microsecond=0) - WEEK - datetime.timedelta(days=1)
)
OPEN = SEALED + WEEK + datetime.timedelta(hours=1)  # just after the first check-in opened


@pytest.fixture
def agreement(alice: User, bob: User) -> Agreement:
    agreement = AgreementFactory.create(creator=alice, parties=[bob], title="Our home")
    version = open_version(agreement)
    calls = put_down(version, alice, "Call when you are late.", now=SEALED)
    answer(calls, bob, "accept", now=SEALED)
    dishes = put_down(version, bob, "Do the dishes on Sundays.", now=SEALED)
    answer(dishes, alice, "accept", now=SEALED)
    seal(version, [alice, bob])
    return agreement


@pytest.fixture
def calls(agreement: Agreement) -> Need:
    return Need.objects.get(statement="Call when you are late.")


@pytest.fixture
def dishes(agreement: Agreement) -> Need:
    return Need.objects.get(statement="Do the dishes on Sundays.")


@pytest.fixture
def check_in(agreement: Agreement, alice: User) -> CheckIn:
    services.schedule_set(agreement=agreement, party=alice, rhythm="weekly", now=SEALED)
    assert services.check_ins_open_due(now=OPEN) == 1
    return CheckIn.objects.get(agreement=agreement)
