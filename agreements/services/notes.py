"""A party's private notes on needs: not part of the shared record."""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from agreements.models import PRIVATE_NOTE_MAX, Need, PrivateNote
from agreements.services.core import NegotiationError, _check_text, _now, _party


@transaction.atomic
def private_note_save(
    *, need: Need, author: User, body: str, now: datetime.datetime | None = None
) -> PrivateNote | None:
    """Keep (or, with an empty body, remove) a party's own note on a need. Nobody else ever
    sees it, so it records no Event and tells nobody: it is not part of the shared record."""
    now = _now(now)
    need = Need.objects.select_related("version__agreement").get(pk=need.pk)
    _party(need.version.agreement, author)
    if need.is_draft and need.author_id != author.pk:
        raise NegotiationError(_("This need cannot be found."))
    body = _check_text(body, label=_("The note"), limit=PRIVATE_NOTE_MAX, required=False)
    if not body:
        PrivateNote.objects.filter(need=need, author=author).delete()
        return None
    note, _created = PrivateNote.objects.update_or_create(
        need=need,
        author=author,
        defaults={"body": body, "updated_at": now},
        create_defaults={"body": body, "created_at": now, "updated_at": now},
    )
    return note
