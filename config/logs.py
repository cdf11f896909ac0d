"""What the logs never keep: the token of an invitation link.

An invitation link (/invitations/<token>/) is a key to join as whoever it was sent to, until
it is used. The page moves the token into the session at once, but the first request still
names it: in the web server's access log and in Django's own request warnings. This filter
writes it as "…" in both (`LOGGING` in settings; the access log in config/asgi.py).
"""

import logging
import re

# A signed token holds a ":" (django.core.signing), which uvicorn's access log writes quoted,
# "%3A"; the numeric ids of other invitation URLs (/invitations/12/join/) do not, and stay
# readable.
TOKEN = re.compile(r"(/invitations/)[^/\s\"?]*?(?::|%3[aA])[^/\s\"?]*")


def without_tokens(value: object) -> object:
    return TOKEN.sub(r"\1…", value) if isinstance(value, str) else value


class HideInvitationTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = without_tokens(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(without_tokens(arg) for arg in record.args)
        return True


ACCESS_LOGGERS = ["uvicorn.access", "granian.access"]


def hide_invitation_tokens() -> None:
    """The ASGI servers log requests through loggers of their own, set up before Django's
    settings are read: the filter is added to them here."""
    for name in ACCESS_LOGGERS:
        logging.getLogger(name).addFilter(HideInvitationTokens())
