"""An agreement in negotiation between alice (who started it), bob and carol."""

import pytest

from accounts.models import User
from agreements.models import Agreement, Version
from tests.agreements.factories import AgreementFactory, open_version


@pytest.fixture
def agreement(alice: User, bob: User, carol: User) -> Agreement:
    return AgreementFactory.create(creator=alice, parties=[bob, carol], title="Our home")


@pytest.fixture
def version(agreement: Agreement) -> Version:
    return open_version(agreement)
