"""What every change is made of: NegotiationError, recording what happened (`record_event`) and
settling the agreement after it (`settle`), the locks, and the checks several topics share.

Changes to one agreement are applied one after the other (PostgreSQL row locks), always in the same
order: an invitation, then the agreement's latest version, then a need or a person's place in it.
"""

import datetime
from typing import Any, cast

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.text import ONE_LINE_MESSAGE, clean_long_text, is_one_line
from agreements import revisions, rules, signals
from agreements.loader import load
from agreements.models import Agreement, Event, Need, Participant, Signature, Version, Wait


class NegotiationError(Exception):
    """A rule refused an action; the message says why, in words for the person who tried."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _now(now: datetime.datetime | None) -> datetime.datetime:
    return now or timezone.now()


def record_event(
    kind: Event.Kind,
    *,
    agreement: Agreement,
    actor: User | None,
    now: datetime.datetime,
    version: Version | None = None,
    need: Need | None = None,
    **data: Any,
) -> Event:
    """Add a change to the agreement's history (the apps built on the core record theirs here
    too), inside the caller's transaction."""
    event = Event.objects.create(
        agreement=agreement,
        version=version,
        need=need,
        actor=actor,
        kind=kind,
        data=data,
        created_at=now,
    )
    if kind != Event.Kind.COMMENTED:  # a comment changes what nobody owes anybody
        loaded = settle(agreement, now=now)
        if need is not None and (settled := loaded.need(need.pk)) is not None:
            need.state, need.answers_hidden = settled.state, settled.answers_hidden
    signals.recorded.send(Event, event=event, agreement=agreement)
    return event


def lock_latest_version(agreement_id: int) -> Version:
    """Hold the agreement's latest version until this transaction ends: what `settle` works
    under. A rule that locks people's rows too (leaving, facilitators) takes this first, so
    that every change to one agreement takes its locks in the same order. A "no key" lock: rows
    that point at the version may still be added meanwhile."""
    versions = Version.objects.select_for_update(no_key=True).filter(agreement_id=agreement_id)
    version = versions.order_by("-number").first()
    assert version is not None, "every agreement has a first version"
    if not version.is_open and versions.filter(number__gt=version.number).exists():
        # Renegotiated while this waited for the lock (only a sealed version is followed by
        # another): the new one is the latest.
        version = versions.order_by("-number").first()
        assert version is not None
    return version


# Who waits on whom for these reasons, the core's rules work out (`rules.waits`); the other
# reasons come from the apps above (`signals.waiting`).
CORE_REASONS = frozenset(
    {Wait.Reason.ANSWER, Wait.Reason.SIGNATURE, Wait.Reason.INVITATION, Wait.Reason.CONSENT}
)


def derived_waits(loaded: rules.Loaded, now: datetime.datetime, *, apps: bool = True) -> list[Wait]:
    """Everyone the agreement waits on now, for the core's reasons and (with `apps`) for those
    the apps above add: what `settle` stores."""
    found = rules.waits(loaded, now)
    if apps:
        for _receiver, rows in signals.waiting.send(
            Agreement, agreement=loaded.agreement, now=now, loaded=loaded
        ):
            found += cast("list[Wait]", rows)
    return found


def settle(agreement: Agreement, *, now: datetime.datetime, announce: bool = True) -> rules.Loaded:
    """Store what the rules derive from the agreement as it stands now: each need's state and
    whether its answers are hidden, and who waits on whom (`models.Wait`). Runs inside every
    change, under the lock of the agreement's latest version, so that the changes to one
    agreement settle one after the other; also after rows changed some other way (the admin, an
    address change, `manage.py settle_agreements`). Then `signals.settled` tells the apps that
    follow it (the reminders are planned again), unless `announce` is off: the stored facts
    only, as a migration needs (the other apps' models may not match its point of the schema
    yet) and as a check that compares them does; then the apps are not asked who waits on whom
    either, and the rows they added stay as they are."""
    version = lock_latest_version(agreement.pk)
    loaded = load(agreement, version)
    if version.is_open:  # a closed version's needs never change
        moved = []
        for need in loaded.needs:
            derived = (loaded.state_of(need), loaded.hidden(need))
            if (need.state, need.answers_hidden) != derived:
                need.state, need.answers_hidden = derived
                Need.objects.filter(pk=need.pk).update(state=derived[0], answers_hidden=derived[1])
                moved.append(need.pk)
        if moved:  # written without the model signals: counted here
            revisions.changed(agreement.pk, *moved)
    fresh = {rules.wait_key(wait): wait for wait in derived_waits(loaded, now, apps=announce)}
    stale, changed = [], []
    for wait in Wait.objects.filter(agreement=agreement).order_by("pk"):
        if not announce and wait.reason not in CORE_REASONS:
            continue
        key = rules.wait_key(wait)
        new = fresh.pop(key, None)
        if new is None:
            stale.append(wait.pk)
        elif (wait.since, wait.until) != (new.since, new.until):
            wait.since, wait.until = new.since, new.until
            changed.append(wait)
    if stale:
        Wait.objects.filter(pk__in=stale).delete()
    if changed:
        Wait.objects.bulk_update(changed, ["since", "until"])
    if fresh:
        Wait.objects.bulk_create(fresh.values())
    if announce:
        signals.settled.send(Agreement, agreement=agreement, now=now, loaded=loaded)
    return loaded


def _party(agreement: Agreement, user: User) -> Participant:
    participant = Participant.objects.parties().filter(agreement=agreement, user=user).first()
    if participant is None:
        raise NegotiationError(_("Only the parties to this agreement can do that."))
    return participant


def _lock_open_version(version_id: int) -> Version:
    # Only the version's row: the agreement's stays free for rows that point at it (events).
    version = (
        Version.objects.select_for_update(of=("self",))
        .select_related("agreement")
        .get(pk=version_id)
    )
    if not version.is_open:
        raise NegotiationError(
            _("Version %(number)s is closed; it can no longer change.") % {"number": version.number}
        )
    return version


def _lock_need(need_id: int) -> tuple[Version, Need]:
    """Lock the need's version, then the need: every rule takes locks in this order."""
    version_id = Need.objects.values_list("version_id", flat=True).get(pk=need_id)
    version = _lock_open_version(version_id)
    need = Need.objects.select_for_update().get(pk=need_id)
    need.version = version  # locked, with its agreement
    return version, need


def _unsign(version: Version) -> None:
    """Signatures were given to what the version said; any change asks for them again."""
    Signature.objects.filter(version=version).delete()


def _version_changed(
    kind: Event.Kind,
    *,
    version: Version,
    actor: User,
    now: datetime.datetime,
    need: Need | None = None,
    **data: Any,
) -> Event:
    """What the version says changed: the signatures given so far no longer hold."""
    _unsign(version)
    return record_event(
        kind, agreement=version.agreement, actor=actor, now=now, version=version, need=need, **data
    )


def _take_off_table(need: Need, status: str, now: datetime.datetime) -> None:
    need.status = status
    need.changed_at = now
    need.save(update_fields=["status", "changed_at"])


def _touch(need: Need, now: datetime.datetime) -> None:
    """The need's answers or addressees changed now; `settle`, after the change is recorded,
    works out its state and whether its answers are hidden."""
    need.changed_at = now
    need.save(update_fields=["changed_at"])


def _check_text(
    value: str, *, label: str, limit: int, required: bool = True, one_line: bool = False
) -> str:
    """Text as typed, trimmed: one-line text with a break or hidden control is refused; a
    longer text keeps its line breaks and tabs and quietly loses other control characters."""
    value = value.strip() if one_line else clean_long_text(value).strip()
    if one_line and not is_one_line(value):
        raise NegotiationError(str(ONE_LINE_MESSAGE))
    if required and not value:
        raise NegotiationError(_("%(label)s cannot be empty.") % {"label": label})
    if len(value) > limit:
        raise NegotiationError(
            _("%(label)s can be at most %(limit)s characters (it has %(length)s).")
            % {"label": label, "limit": limit, "length": len(value)}
        )
    return value


def _lock_agreement(agreement: Agreement) -> None:
    """Hold the agreement's row until this transaction ends, so rules about who is in it (an
    invitation and its double submit) run one after the other. (SQLite has no row locks; there
    each transaction takes the one write lock as it begins: config/settings.py.)

    A "no key" lock: a change elsewhere in the agreement still records its event (a row that
    points at the agreement) meanwhile. A full lock would make it wait here while holding its
    version, which `settle` then waits for: a deadlock."""
    list(Agreement.objects.select_for_update(no_key=True).filter(pk=agreement.pk).values_list("pk"))
