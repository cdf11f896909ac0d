"""What changed in an agreement, counted: the revisions kept HTML is keyed by (agreements/kept.py).

Every write that changes what a page of an agreement shows adds a `Change` row in the same
transaction: a recorded change, a draft, a private note, a talk mark, a check-in, a signature, a
changed display name, a deleted account, an edit in the admin. The rows are added by receivers of
Django's model signals (`post_save`, `post_delete`, `m2m_changed`), connected in
`AgreementsConfig.ready` for this app's models and in the apps above for theirs (`watch`), so
every path that saves a row, the admin's included, counts. The few writes that skip those
signals (`QuerySet.update`, `bulk_create`) call `changed` themselves.

An agreement's revision is the number of its rows; a card's is the number of rows naming its
need (or the need it counters) plus those naming no need (which may show on every card). Rows are
only added, so either number grows with every committed write that concerns it, and nothing is
ever invalidated by hand. Adding a row locks nothing another write waits for.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Model, QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.utils import timezone

from accounts.models import User
from agreements.models import (
    Agreement,
    Change,
    Comment,
    Event,
    FacilitatorConsent,
    Invitation,
    Need,
    Participant,
    PrivateNote,
    Response,
    Signature,
    Version,
)

# The need id of a visit: it shows on every card ("seen by"), on no line of the history.
SEEN = 0


def changed(agreement_id: int, *need_ids: int | None, now: datetime.datetime | None = None) -> None:
    """Count a write to an agreement: to the cards of `need_ids`, or with none, to anything."""
    now = now or timezone.now()
    Change.objects.bulk_create(
        Change(agreement_id=agreement_id, need_id=need_id, at=now) for need_id in need_ids or [None]
    )


def changed_everywhere(user_id: int) -> None:
    """Count a write that shows on every page naming this person (their name, their account)."""
    now = timezone.now()
    agreements = Participant.objects.filter(user_id=user_id).values_list("agreement_id", flat=True)
    Change.objects.bulk_create(Change(agreement_id=pk, at=now) for pk in set(agreements))


type Part = tuple[int, datetime.datetime | None]  # how many changes, and the latest


@dataclass(frozen=True)
class CardRevisions:
    # The agreement's public id: a count never stands for another agreement's, even where a
    # database reuses an id (after a restore, or in tests rolled back).
    tag: str
    per_need: dict[int | None, Part]

    def _part(self, need_id: int | None) -> Part:
        return self.per_need.get(need_id, (0, None))

    def of(self, need: Need) -> tuple[object, ...]:
        """A card's revision: its own changes, those of the need it counters (whose words it
        shows), and the changes that may show anywhere. Not visits: most change nobody's
        "seen by", and a card is kept with the list it shows (agreements/kept.py)."""
        answers = self._part(need.answers_id) if need.answers_id else None
        return (self.tag, self._part(need.pk), self._part(None), answers)

    def of_line(self, need: Need | None) -> tuple[object, ...]:
        """A history line's: its need's words, and names (anywhere), not who saw what."""
        return (self.tag, self._part(None), self._part(need.pk) if need else None)


@dataclass(frozen=True)
class Revision:
    cards: CardRevisions
    need_changed_at: datetime.datetime | None  # when a need's card last changed

    @property
    def number(self) -> int:
        """How many changes the agreement has had."""
        return sum(n for n, _at in self.cards.per_need.values())

    @property
    def key(self) -> tuple[object, ...]:
        """What a whole page is kept under: the count, and the latest change (a count alone
        could come back after a restore)."""
        latest = max((at for _n, at in self.cards.per_need.values() if at), default=None)
        return (self.cards.tag, self.number, latest)

    def seen(self, at: datetime.datetime) -> "Revision":
        """This revision and one visit more (`changed(…, SEEN)` at `at`), without asking."""
        n, _at = self.cards._part(SEEN)
        per_need = self.cards.per_need | {SEEN: (n + 1, at)}
        return Revision(CardRevisions(self.cards.tag, per_need), self.need_changed_at)


def revision(agreement: Agreement) -> Revision:
    """The agreement's revision and its cards', in one query from the index."""
    rows = (
        Change.objects.filter(agreement_id=agreement.pk)
        .values_list("need_id")
        .annotate(n=Count("pk"), at=Max("at"))
        .order_by()
    )
    per_need: dict[int | None, Part] = {}
    for need_id, n, at in rows:
        per_need[need_id] = (n, at)
    changed_at = [at for need_id, (_n, at) in per_need.items() if need_id and at]
    return Revision(CardRevisions(agreement.public_id, per_need), max(changed_at, default=None))


# Receivers ------------------------------------------------------------------------------------


def _agreement_of_need(need: Need | None, need_id: int) -> int | None:
    if need is not None and Need.version.is_cached(need):
        return need.version.agreement_id
    if need is not None:  # by its version: a need just deleted is no longer there to ask
        versions = Version.objects.filter(pk=need.version_id)
        return versions.values_list("agreement_id", flat=True).first()
    return Need.objects.filter(pk=need_id).values_list("version__agreement_id", flat=True).first()


def _also(instance: Model) -> tuple[int, ...]:
    """The other cards a row shows on: a counter-proposal's words are on the need it answers."""
    if isinstance(instance, Need) and instance.answers_id:
        return (instance.answers_id,)
    return ()


type Where = tuple[int | None, int | None]


def _where(instance: Model) -> Where:
    """The agreement a row belongs to and the need whose card shows it (None: any card)."""
    if isinstance(instance, Agreement):
        return instance.pk, None
    if isinstance(instance, Need):
        return _agreement_of_need(instance, instance.pk), instance.pk
    need_id = getattr(instance, "need_id", None)
    if need_id is not None:
        agreement_id = getattr(instance, "agreement_id", None)
        need = getattr(instance, "need", None) if type(instance).need.is_cached(instance) else None  # type: ignore[attr-defined]
        return agreement_id or _agreement_of_need(need, need_id), need_id
    if (agreement_id := getattr(instance, "agreement_id", None)) is not None:
        return agreement_id, None
    if (version_id := getattr(instance, "version_id", None)) is not None:
        versions = Version.objects.filter(pk=version_id)
        return versions.values_list("agreement_id", flat=True).first(), None
    if isinstance(instance, FacilitatorConsent):
        places = Participant.objects.filter(pk=instance.facilitator_id)
        return places.values_list("agreement_id", flat=True).first(), None
    raise TypeError(f"say which agreement a {type(instance).__name__} belongs to")


_WHERE: dict[type[Model], Callable[[Model], Where]] = {}


def _saved(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    if kwargs.get("raw"):  # loaddata: nothing is shown yet
        return
    agreement_id, need_id = _WHERE[sender](instance)
    if agreement_id:
        changed(agreement_id, need_id, *_also(instance))


def _deleted(sender: type[Model], instance: Model, origin: Any = None, **kwargs: Any) -> None:
    # Deleted along with its agreement: nothing of it is shown any more.
    if isinstance(origin, Agreement) or (
        isinstance(origin, QuerySet) and origin.model is Agreement
    ):
        return
    if isinstance(instance, Agreement):
        return
    agreement_id, need_id = _WHERE[sender](instance)
    if agreement_id and Agreement.objects.filter(pk=agreement_id).exists():
        changed(agreement_id, need_id, *_also(instance))


def _addressed(sender: type[Model], instance: Model, action: str, **kwargs: Any) -> None:
    if action.startswith("post_") and isinstance(instance, Need):
        _saved(Need, instance)


# A person's name is shown on every page they are in; a login writes only `last_login`.
_SHOWN_OF_A_PERSON = {"display_name", "email"}


def _person_saved(sender: type[Model], instance: User, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    if kwargs.get("created") or kwargs.get("raw"):
        return
    if update_fields is None or _SHOWN_OF_A_PERSON & set(update_fields):
        changed_everywhere(instance.pk)


def _person_leaving(sender: type[Model], instance: User, **kwargs: Any) -> None:
    changed_everywhere(instance.pk)


def watch(*models: type[Model], where: Callable[[Model], Where] = _where) -> None:
    """Count every save and delete of these models' rows as a change to their agreement, found
    by `where` (by default from the row's agreement, need, version or facilitator)."""
    for model in models:
        _WHERE[model] = where
        uid = f"revisions:{model._meta.label}"
        post_save.connect(_saved, sender=model, dispatch_uid=uid)
        post_delete.connect(_deleted, sender=model, dispatch_uid=uid)


def connect() -> None:
    watch(
        Agreement,
        Participant,
        FacilitatorConsent,
        Invitation,
        Version,
        Signature,
        Need,
        Response,
        Comment,
        PrivateNote,
        Event,
    )
    m2m_changed.connect(_addressed, sender=Need.addressees.through, dispatch_uid="revisions:to")
    post_save.connect(_person_saved, sender=User, dispatch_uid="revisions:person")
    pre_delete.connect(_person_leaving, sender=User, dispatch_uid="revisions:person")
