"""What check-ins add to the core's pages (`agreements.signals.page_context`)."""

import datetime
from typing import Any

from agreements.models import Agreement
from checkins import trust


def kept_share(
    sender: Any, *, agreement: Agreement, now: datetime.datetime, **kwargs: Any
) -> dict[str, int | None]:
    """The agreement page says how much of what was agreed is kept, once check-ins began."""
    return {"kept_share": trust.kept_share_if_any(agreement, now)}
