"""Alice and Bob negotiating; reminders and their preferences, at known times."""

import datetime

import pytest

from accounts.models import User
from agreements.models import Agreement, Version
from tests.agreements.factories import AgreementFactory, open_version

# A Monday noon (UTC). Every test passes time in; nothing sleeps.
MONDAY = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def agreement(alice: User, bob: User) -> Agreement:
    return AgreementFactory.create(creator=alice, parties=[bob], title="Our home")


@pytest.fixture
def version(agreement: Agreement) -> Version:
    return open_version(agreement)
