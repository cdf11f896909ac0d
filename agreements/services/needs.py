"""A need from draft to decision: write it, put it down, reword, answer, comment on, withdraw,
reopen or drop it, and offer a declined one again."""

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from agreements import rules
from agreements.models import Comment, Event, Need, NeedState, Participant, Response, Version
from agreements.services.core import (
    NegotiationError,
    _check_text,
    _lock_need,
    _lock_open_version,
    _now,
    _party,
    _take_off_table,
    _touch,
    _version_changed,
    record_event,
)


def _leave_table(need: Need, status: str, now: datetime.datetime) -> None:
    """Withdraw or drop a need. Answers hidden until then stay hidden for good, and so do
    counter-proposals to it, which nobody could answer: they leave the table with it."""
    if need.answers_hidden:
        counters = Need.objects.select_for_update().filter(
            answers=need, status=Need.Status.PUT_DOWN
        )
        for counter in counters:
            _take_off_table(counter, Need.Status.WITHDRAWN, now)
    _take_off_table(need, status, now)


def latest_answers(need: Need) -> dict[int, Response]:
    """Each party's latest answer to the need's current wording."""
    return rules.latest_answers(need.responses.order_by("created_at", "pk"), need.revision)


def _clean_need_text(statement: str, looks_like: str) -> tuple[str, str]:
    statement = _check_text(
        statement,
        label=_("What you need"),
        limit=Need._meta.get_field("statement").max_length or 500,
        one_line=True,
    )
    looks_like = _check_text(looks_like, label=_("What it looks like"), limit=1000, required=False)
    return statement, looks_like


@transaction.atomic
def need_draft(
    *,
    version: Version,
    author: User,
    statement: str,
    looks_like: str = "",
    category: str = "",
    now: datetime.datetime | None = None,
) -> Need:
    """Write a need down privately; nobody else sees it until it is put down."""
    now = _now(now)
    version = _lock_open_version(version.pk)
    _party(version.agreement, author)
    statement, looks_like = _clean_need_text(statement, looks_like)
    return Need.objects.create(
        version=version,
        author=author,
        statement=statement,
        looks_like=looks_like,
        category=category,
        created_at=now,
        changed_at=now,
    )


@transaction.atomic
def need_edit(
    *,
    need: Need,
    actor: User,
    statement: str,
    looks_like: str = "",
    category: str = "",
    now: datetime.datetime | None = None,
) -> Need:
    """Change a need's words. Once it was put down, answers given to the old words no longer
    count: the need is open again and those who had answered are told."""
    now = _now(now)
    version, need = _lock_need(need.pk)
    _party(version.agreement, actor)
    if not (need.is_draft or need.is_live) or (need.is_draft and need.author_id != actor.pk):
        raise NegotiationError(_("This need cannot be changed."))
    if not rules.may_change(need, actor.pk):
        raise NegotiationError(_("Only the person who put this need down can reword it."))
    statement, looks_like = _clean_need_text(statement, looks_like)
    reworded = (statement, looks_like) != (need.statement, need.looks_like)
    old = {"statement": need.statement, "looks_like": need.looks_like}
    need.statement, need.looks_like, need.category = statement, looks_like, category
    need.changed_at = now
    if need.is_live and reworded:
        answered = sorted(latest_answers(need))
        need.revision += 1
        need.save()
        _touch(need, now)
        _version_changed(
            Event.Kind.REWORDED,
            actor=actor,
            now=now,
            version=version,
            need=need,
            old=old,
            answers_reset_for=answered,
        )
    else:
        need.save()
    return need


def _other_parties(version: Version, author: User) -> set[int]:
    return set(
        Participant.objects.parties()
        .filter(agreement_id=version.agreement_id)
        .exclude(user=author)
        .values_list("user_id", flat=True)
    )


@transaction.atomic
def need_put_down(
    *,
    need: Need,
    actor: User,
    addressee_ids: Iterable[int] | None = None,
    now: datetime.datetime | None = None,
) -> Need:
    """Put a draft down for some of the other parties, or all of them by default."""
    now = _now(now)
    version, need = _lock_need(need.pk)
    _party(version.agreement, actor)
    if need.author_id != actor.pk or not need.is_draft:
        raise NegotiationError(_("Only your own drafts can be put down."))
    others = _other_parties(version, actor)
    if not others:
        raise NegotiationError(
            _("Nobody else has joined yet. Invite someone; your draft waits until then.")
        )
    chosen = others if addressee_ids is None else set(addressee_ids)
    if not chosen:
        raise NegotiationError(_("Choose at least one person to put this need down for."))
    if not chosen <= others:
        raise NegotiationError(_("A need can only be put down for the other parties."))
    need.status = Need.Status.PUT_DOWN
    need.put_down_at = need.changed_at = now
    need.state = NeedState.OPEN
    need.save(update_fields=["status", "put_down_at", "changed_at", "state"])
    need.addressees.set(chosen)
    _version_changed(
        Event.Kind.PUT_DOWN,
        version=version,
        actor=actor,
        now=now,
        need=need,
    )
    return need


def drafts_of(version: Version, author_id: int) -> list[Need]:
    """The author's drafts in a version, oldest first: what "put down all" puts down."""
    drafts = Need.objects.filter(version=version, author_id=author_id, status=Need.Status.DRAFT)
    return list(drafts.order_by("created_at", "pk"))


@transaction.atomic
def needs_put_down_all(
    *, version: Version, actor: User, now: datetime.datetime | None = None
) -> int:
    """Put down every draft of the actor's, each for all the other parties, one by one as
    `need_put_down` does. Returns how many went down: none on a second click."""
    now = _now(now)
    version = _lock_open_version(version.pk)  # a double submit waits here, then finds none
    _party(version.agreement, actor)
    drafts = drafts_of(version, actor.pk)
    for need in drafts:
        need_put_down(need=need, actor=actor, now=now)
    return len(drafts)


@transaction.atomic
def need_withdraw(*, need: Need, actor: User, now: datetime.datetime | None = None) -> Need:
    """Take back a need that nobody has decided yet. While its answers are hidden it looks open
    to its author too, so it may be taken back whatever was answered: those answers then stay
    hidden for good (`Need.HIDES_ANSWERS`), and counter-proposals to it leave the table with it."""
    now = _now(now)
    version, need = _lock_need(need.pk)
    if need.author_id != actor.pk or not need.is_live:
        raise NegotiationError(_("Only the person who put a need down can withdraw it."))
    if need.state != NeedState.OPEN and not need.answers_hidden:
        raise NegotiationError(
            _("This need has been decided (%(state)s), so it can no longer be withdrawn.")
            % {"state": need.get_state_display()}
        )
    _leave_table(need, Need.Status.WITHDRAWN, now)
    _version_changed(
        Event.Kind.WITHDRAWN,
        version=version,
        actor=actor,
        now=now,
        need=need,
    )
    return need


@transaction.atomic
def need_delete_draft(*, need: Need, actor: User) -> None:
    if need.author_id != actor.pk or not need.is_draft:
        raise NegotiationError(_("Only your own drafts can be deleted."))
    Need.objects.filter(pk=need.pk, status=Need.Status.DRAFT).delete()


_EVENT_FOR_ANSWER = {
    Response.Answer.ACCEPT: Event.Kind.ACCEPTED,
    Response.Answer.DECLINE: Event.Kind.DECLINED,
    Response.Answer.COUNTER: Event.Kind.COUNTERED,
}


def _same_answer(
    latest: Response, answer: str, reason: str, statement: str, looks_like: str
) -> bool:
    """Whether an answer repeats `latest`: the same answer and reason, and for a
    counter-proposal the same words, still on the table."""
    if (latest.answer, latest.reason) != (answer, reason):
        return False
    if latest.counter is None:
        return True
    counter = latest.counter
    return counter.is_live and (counter.statement, counter.looks_like) == (statement, looks_like)


def _counter_propose(
    need: Need,
    party: User,
    latest: Response | None,
    statement: str,
    looks_like: str,
    now: datetime.datetime,
) -> Need:
    """Put a counter-proposal down: a new need in the same version, for the author of the need
    it answers and everyone else that need was for (`rules.counter_addressees`). A party has one
    on the table at a time."""
    if latest is not None and latest.counter is not None and latest.counter.is_live:
        raise NegotiationError(
            _(
                "Your counter-proposal is already on the table. To offer another, "
                "withdraw that one first."
            )
        )
    parties = Participant.objects.parties().filter(agreement_id=need.version.agreement_id)
    addressees = rules.counter_addressees(
        author=need.author_id,
        addressees=need.addressees.values_list("pk", flat=True),
        countered_by=party.pk,
        parties=set(parties.values_list("user_id", flat=True)),
    )
    if not addressees:
        # The need's author has left and it was for you alone: nobody could pick it up.
        raise NegotiationError(
            _(
                "Nobody else is here to answer a counter-proposal to this need. You can "
                "decline it and say why, or put your own need down."
            )
        )
    counter = Need.objects.create(
        version=need.version,
        author=party,
        statement=statement,
        looks_like=looks_like,
        category=need.category,
        status=Need.Status.PUT_DOWN,
        answers=need,
        created_at=now,
        put_down_at=now,
        changed_at=now,
    )
    counter.addressees.set(addressees)
    return counter


@transaction.atomic
def need_respond(
    *,
    need: Need,
    party: User,
    answer: str,
    reason: str = "",
    counter_statement: str = "",
    counter_looks_like: str = "",
    now: datetime.datetime | None = None,
) -> Response:
    """Pick a need up, decline it, or answer it with a counter-proposal (a new need, for its
    author and everyone else it was for). A party may change their answer while the version
    is open."""
    now = _now(now)
    version, need = _lock_need(need.pk)
    if not need.is_live:
        raise NegotiationError(_("This need is no longer on the table."))
    if not need.addressees.filter(pk=party.pk).exists():
        raise NegotiationError(_("This need is not addressed to you, so you cannot answer it."))
    if rules.is_hidden_answer(need.answers):
        # A counter-proposal is an answer: hidden, like the others, until everyone answered.
        raise NegotiationError(_("This need is not on the table yet."))
    _party(version.agreement, party)
    if answer not in Response.Answer.values:
        raise NegotiationError(_("Choose “Pick it up”, “Decline” or “Counter-propose”."))
    reason = _check_text(reason, label=_("The reason"), limit=500, required=False)
    counter, statement, looks_like = None, "", ""
    if answer == Response.Answer.COUNTER:
        statement, looks_like = _clean_need_text(counter_statement, counter_looks_like)
    latest = latest_answers(need).get(party.pk)
    if latest is not None and _same_answer(latest, answer, reason, statement, looks_like):
        return latest  # a second click of the same button: it was recorded once already
    if answer == Response.Answer.COUNTER:
        counter = _counter_propose(need, party, latest, statement, looks_like, now)
    response = Response.objects.create(
        need=need,
        party=party,
        answer=answer,
        reason=reason,
        revision=need.revision,
        counter=counter,
        created_at=now,
    )
    _touch(need, now)
    _version_changed(
        _EVENT_FOR_ANSWER[Response.Answer(answer)],
        version=version,
        actor=party,
        now=now,
        need=need,
        counter=counter.pk if counter else None,
    )
    return response


@transaction.atomic
def need_comment(
    *, need: Need, author: User, body: str, now: datetime.datetime | None = None
) -> Comment:
    now = _now(now)
    version, need = _lock_need(need.pk)
    place = Participant.objects.active().filter(agreement=version.agreement, user=author).first()
    if place is None or not place.may_read:
        raise NegotiationError(_("Only the parties and their facilitator can comment."))
    if not need.is_live:
        raise NegotiationError(_("Comments are for needs that are on the table."))
    body = _check_text(body, label=_("The comment"), limit=2000)
    comment = Comment.objects.create(need=need, author=author, body=body, created_at=now)
    need.changed_at = now
    need.save(update_fields=["changed_at"])
    record_event(
        Event.Kind.COMMENTED,
        agreement=version.agreement,
        actor=author,
        now=now,
        version=version,
        need=need,
    )
    return comment


@transaction.atomic
def need_reopen(*, need: Need, actor: User, now: datetime.datetime | None = None) -> Need:
    """Set every answer to a need back to open, so it is negotiated again."""
    now = _now(now)
    version, need = _lock_need(need.pk)
    _party(version.agreement, actor)
    if not need.is_live or need.carried_from_id is None:
        raise NegotiationError(_("Only needs carried over from the last version can be reopened."))
    if need.state == NeedState.OPEN or need.answers_hidden:  # hidden: open to all eyes
        raise NegotiationError(_("This need is already open."))
    need.revision += 1
    need.save(update_fields=["revision"])
    _touch(need, now)
    _version_changed(
        Event.Kind.REOPENED,
        version=version,
        actor=actor,
        now=now,
        need=need,
    )
    return need


@transaction.atomic
def need_drop(*, need: Need, actor: User, now: datetime.datetime | None = None) -> Need:
    """Take a need carried over from the last version off the table."""
    now = _now(now)
    version, need = _lock_need(need.pk)
    _party(version.agreement, actor)
    if not need.is_live or need.carried_from_id is None:
        raise NegotiationError(_("Only needs carried over from the last version can be dropped."))
    _leave_table(need, Need.Status.DROPPED, now)
    _version_changed(
        Event.Kind.DROPPED,
        version=version,
        actor=actor,
        now=now,
        need=need,
    )
    return need


@transaction.atomic
def need_offer_again(*, need: Need, actor: User, now: datetime.datetime | None = None) -> Need:
    """Turn a need declined in an earlier version into a new draft in the open one.
    (A decline carries no penalty: the old one stays in the record as declined.)"""
    now = _now(now)
    old = Need.objects.select_related("version").get(pk=need.pk)
    if (
        old.author_id != actor.pk
        or old.state != NeedState.DECLINED
        or old.version.is_open
        or old.answers_hidden  # its answers stay hidden: nobody may learn it was declined
    ):
        raise NegotiationError(
            _("Only your own needs declined in an earlier version can be offered again.")
        )
    version = (
        Version.objects.select_for_update()
        .filter(agreement_id=old.version.agreement_id, state=Version.State.NEGOTIATING)
        .first()
    )
    if version is None:
        raise NegotiationError(_("Renegotiate first: there is no open version to put it in."))
    _party(version.agreement, actor)
    if version.needs.filter(carried_from=old).exists():
        raise NegotiationError(_("This need is already in the open version."))
    return Need.objects.create(
        version=version,
        author=actor,
        statement=old.statement,
        looks_like=old.looks_like,
        category=old.category,
        carried_from=old,
        created_at=now,
        changed_at=now,
    )
