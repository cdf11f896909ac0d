"""What one person sees of one version: the needs grouped, answers they may see, where each
party stands. Built with a fixed number of queries, whatever the size of the agreement."""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Model, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from accounts.models import User, tell_apart
from agreements.models import (
    Agreement,
    Comment,
    Event,
    FacilitatorConsent,
    Invitation,
    Need,
    NeedState,
    Participant,
    PrivateNote,
    Response,
    Version,
    needs_hidden_from,
)
from agreements.rules import (
    is_pending,
    latest_answers,
    may_change,
    may_see,
    ready_to_sign,
    settled_by_counter,
    stands_as,
    still_to_consent,
)

HISTORY_LENGTH = 30


@dataclass
class Answer:
    party: User
    response: Response | None  # None: has not answered the current wording yet
    hidden: bool = False  # answered, but kept hidden until everyone has answered


@dataclass
class NeedView:
    need: Need
    answers: list[Answer]
    comments: list[Comment]
    seen_by: list[User]
    mine: Response | None
    is_new: bool
    hidden: bool
    earlier_answers: int
    reworded_since_you_answered: bool = False
    answers_need: Need | None = None
    counters: list[Need] = field(default_factory=list)
    can_answer: bool = False
    can_edit: bool = False
    can_withdraw: bool = False
    can_reopen: bool = False
    can_drop: bool = False
    can_comment: bool = False
    # The viewer's own private note on this need ("" when none, or when the viewer is no party).
    note: str = ""
    note_updated_at: datetime.datetime | None = None

    base_url: str = ""
    # The card, rendered (agreements/kept.py).
    html: str = ""

    @property
    def dom_id(self) -> str:
        return f"need-{self.need.pk}"

    def url(self, action: str) -> str:
        """This need's action URLs (agreements/urls.py), built without a reverse() per card."""
        return f"{self.base_url}needs/{self.need.pk}/{action}/"

    @cached_property
    def urls(self) -> dict[str, str]:
        actions = ["respond", "comment", "edit", "put-down", "delete", "withdraw", "reopen", "note"]
        actions += ["drop", "offer-again", "card"]
        return {action.replace("-", "_"): self.url(action) for action in actions}


@dataclass
class Standing:
    """Where one party stands on the needs put down for them: picked up (or agreed through a
    counter-proposal), counter-proposed (answered with a counter-proposal), declined, or
    still open (`rules.stands_as`)."""

    party: User
    agreed: int = 0
    conversation: int = 0
    declined: int = 0
    open: int = 0

    @property
    def total(self) -> int:
        return self.agreed + self.conversation + self.declined + self.open

    def _edge(self, count: int) -> int:
        """Where the bar has reached after `count` needs, in hundredths: the parts are the
        differences between rounded edges, so they always add up to the whole bar."""
        return round(100 * count / self.total) if self.total else 0

    @property
    def agreed_pct(self) -> int:
        return self._edge(self.agreed)

    @property
    def conversation_x(self) -> int:
        return self.agreed_pct

    @property
    def conversation_pct(self) -> int:
        return self.declined_x - self.conversation_x

    @property
    def declined_x(self) -> int:
        return self._edge(self.agreed + self.conversation)

    @property
    def declined_pct(self) -> int:
        return self.open_x - self.declined_x

    @property
    def open_x(self) -> int:
        return self._edge(self.agreed + self.conversation + self.declined)

    @property
    def open_pct(self) -> int:
        return self._edge(self.total) - self.open_x


@dataclass
class Promise:
    """One thing agreed, as the document of a version tells it: who picked it up (`by`), for
    whom (`to`), and the need it was agreed in place of, when it was a counter-proposal."""

    need: Need
    by: list[User]
    to: User
    instead_of: Need | None = None


@dataclass
class Document:
    """A version read as the agreement made: what was agreed, then what was offered and not
    picked up."""

    agreed: list[Promise]
    not_picked_up: list["NeedView"]


@dataclass
class FacilitatorRequest:
    """A facilitator who joined and waits for every party to agree."""

    participant: Participant
    agreed: list[User]
    waiting_on: list[User]

    @property
    def user(self) -> User:
        return self.participant.user


@dataclass
class VersionView:
    agreement: Agreement
    version: Version
    viewer: User
    participant: Participant
    parties: list[Participant]
    facilitators: list[Participant]  # those who read: every party agreed to them
    facilitator_requests: list[FacilitatorRequest]  # shown to parties only
    groups: dict[str, list[NeedView]]
    standing: list[Standing]
    events: list[Event]
    signed_by: list[User]
    versions: list[Version]
    invitations: list[Invitation]
    open_count: int
    live_count: int
    is_current: bool

    @property
    def last_event_id(self) -> int:
        return max((e.pk for e in self.events), default=0)

    @property
    def is_party(self) -> bool:
        return self.participant.is_party

    @property
    def items(self) -> list[NeedView]:
        return [item for items in self.groups.values() for item in items]

    def item(self, need_id: int) -> NeedView | None:
        return next((item for item in self.items if item.need.pk == need_id), None)

    @property
    def can_sign(self) -> bool:
        return (
            self.version.is_open
            and self.is_party
            and ready_to_sign((i.need.state, i.need.answers_hidden) for i in self._live_items)
            and self.viewer not in self.signed_by
        )

    @cached_property
    def document(self) -> Document:
        """The needs on the table as the agreement made (`Document`). A need answered with a
        counter-proposal that was then agreed is told with that counter-proposal
        (`rules.settled_by_counter`); answers still hidden count as open, so such a need is in
        neither list."""
        live = self._live_items
        shown = {item.need.pk: _shown_state(item) for item in live}
        agreed: list[Promise] = []
        not_picked_up: list[NeedView] = []
        for item in live:
            state = shown[item.need.pk]
            if state == NeedState.AGREED:
                agreed.append(
                    Promise(
                        need=item.need,
                        by=[a.party for a in item.answers],
                        to=item.need.author,
                        instead_of=item.answers_need,
                    )
                )
            elif state == NeedState.DECLINED or (
                state == NeedState.COUNTERED
                and not settled_by_counter(state, (shown.get(c.pk, "") for c in item.counters))
            ):
                not_picked_up.append(item)
        return Document(agreed=agreed, not_picked_up=not_picked_up)

    @property
    def still_to_sign(self) -> list[User]:
        return [p.user for p in self.parties if p.user not in self.signed_by]

    @property
    def can_renegotiate(self) -> bool:
        return self.is_party and self.version.state == Version.State.SEALED

    @property
    def alone(self) -> bool:
        return len(self.parties) < 2

    @property
    def respond_by_passed(self) -> bool:
        """The date asked for has passed while the version is still negotiated."""
        respond_by = self.version.respond_by
        return self.version.is_open and respond_by is not None and respond_by <= timezone.now()

    @cached_property
    def still_to_answer(self) -> list[tuple[User, int]]:
        """Each party who still owes answers, with how many, as the page shows them: an
        answer kept hidden (answer independently) counts for nobody, see `hidden_open`."""
        owed = {p.user_id: 0 for p in self.parties}
        for item in self._live_items:
            for answer in item.answers:
                if answer.response is None and not answer.hidden and answer.party.pk in owed:
                    owed[answer.party.pk] += 1
        return [(p.user, owed[p.user_id]) for p in self.parties if owed[p.user_id]]

    @property
    def hidden_open(self) -> int:
        """Needs whose answers are kept hidden until everyone has answered them."""
        return sum(item.hidden for item in self._live_items)

    @property
    def _live_items(self) -> list[NeedView]:
        return [
            item
            for name, items in self.groups.items()
            if name not in ("drafts", "closed")
            for item in items
        ]


GROUP_ORDER = ("waiting", "open", "agreed", "declined", "countered", "closed", "drafts")


def current_version(agreement: Agreement) -> Version:
    """The open version, or the latest one when none is open."""
    version = agreement.versions.order_by("-number").first()
    assert version is not None, "every agreement has a first version"
    return version


def _visible_needs(
    version: Version, viewer: User, *, only: int | None, with_notes: bool
) -> list[Need]:
    """Needs put down, and the viewer's own drafts; nobody else's drafts, ever. With `only`,
    just one need, the need it answers and its counter-proposals. With `with_notes`, each need
    carries the viewer's own private note (`my_note`, `my_note_updated_at`): nobody else's."""
    needs = Need.objects.filter(version=version).filter(
        ~Q(status=Need.Status.DRAFT) | Q(author=viewer)
    )
    if only is not None:
        answered = Need.objects.filter(pk=only).values("answers_id")
        needs = needs.filter(Q(pk=only) | Q(answers_id=only) | Q(pk__in=answered))
    if with_notes:
        mine = PrivateNote.objects.filter(need=OuterRef("pk"), author=viewer)
        needs = needs.annotate(
            my_note=Subquery(mine.values("body")[:1]),
            my_note_updated_at=Subquery(mine.values("updated_at")[:1]),
        )
    return list(needs.order_by("put_down_at", "created_at", "pk"))


def _name(rows: Iterable[Model], field: str, users: dict[int, User]) -> None:
    """Give each row its person (`field`: author, party, actor) from the users already loaded
    with the participants, instead of a copy of them loaded with every row. Everyone a page
    names has a participant row, kept when they leave; anyone else is looked up, in one query."""
    rows = list(rows)
    _look_up({getattr(row, f"{field}_id") for row in rows} - {None}, users)
    for row in rows:
        user_id = getattr(row, f"{field}_id")
        if user_id is not None:
            setattr(row, field, users[user_id])


def _look_up(user_ids: set[int], users: dict[int, User]) -> None:
    """Add to `users` whoever of `user_ids` it lacks (nobody, as a rule: see `_name`)."""
    if missing := user_ids - users.keys():
        users.update(User.objects.in_bulk(missing))


def build(
    *,
    agreement: Agreement,
    version: Version,
    viewer: User,
    participant: Participant,
    only: int | None = None,
) -> VersionView:
    """The whole page, or with `only`, just what one need's card needs (that need, the need it
    answers and its counter-proposals): what a live update of one card asks for."""
    people = _people(agreement)
    needs = _visible_needs(version, viewer, only=only, with_notes=participant.is_party)
    views = _need_views(needs, people, viewer=viewer, participant=participant, version=version)
    hidden_needs = {view.need.pk for view in views if view.hidden}
    hidden_counters = _hidden_counters(views, viewer)
    views = [view for view in views if view.need.pk not in hidden_counters]
    _link(views, base_url=reverse("agreements:detail", args=[agreement.public_id]))
    live = [view for view in views if view.need.is_live]
    around = (
        _around_card(agreement, version)
        if only is not None
        else _around_page(agreement, version, participant, people)
    )
    return VersionView(
        agreement=agreement,
        version=version,
        viewer=viewer,
        participant=participant,
        parties=people.parties,
        facilitators=[p for p in people.active if p.is_facilitator and p.may_read],
        facilitator_requests=around.requests,
        groups=_groups(views),
        standing=_standing(live, people.parties, negotiating=version.is_open),
        events=mask_hidden_answers(around.events, hidden_needs, hidden_counters, viewer),
        signed_by=around.signed_by,
        versions=around.versions,
        invitations=around.invitations,
        open_count=sum(_shown_state(view) == NeedState.OPEN for view in live),
        live_count=len(live),
        is_current=around.is_current,
    )


@dataclass
class _People:
    """Who is in the agreement, loaded once for the whole page."""

    everyone: list[Participant]  # whoever left too, in the order they joined
    active: list[Participant]
    parties: list[Participant]
    users: dict[int, User]  # everyone's user, by id: whom `_name` gives each row


def _people(agreement: Agreement) -> _People:
    """Everyone in the agreement, in one query: the people the page names are theirs, told
    apart by name among those still in it."""
    everyone = list(
        Participant.objects.filter(agreement=agreement)
        .select_related("user")
        .order_by("joined_at", "pk")  # in the order they joined, whoever visited last
    )
    active = [p for p in everyone if p.left_at is None]
    users = {p.user_id: p.user for p in everyone}
    tell_apart([p.user for p in active], users.values())
    return _People(everyone, active, [p for p in active if p.is_party], users)


def _need_views(
    needs: list[Need],
    people: _People,
    *,
    viewer: User,
    participant: Participant,
    version: Version,
) -> list[NeedView]:
    """Each need as `viewer` sees it, drawn from three plain queries; the people in them are
    the participants' users (`_name`), not a copy per row."""
    addressee_ids, responses, comments = _rows_of([need.pk for need in needs])
    users = people.users
    _name(needs, "author", users)
    _name((r for rows in responses.values() for r in rows), "party", users)
    _name((c for rows in comments.values() for c in rows), "author", users)
    _look_up({u for rows in addressee_ids.values() for u in rows}, users)
    is_party = participant.is_party and version.is_open
    may_comment = participant.may_read and version.is_open
    return [
        _need_view(
            need=need,
            addressees=[users[user_id] for user_id in addressee_ids[need.pk]],
            responses=responses[need.pk],
            comments=comments[need.pk],
            viewer=viewer,
            active=people.active,
            previous_visit=participant.previous_seen_at,
            is_party=is_party,
            may_comment=may_comment,
        )
        for need in needs
    ]


def _rows_of(
    ids: list[int],
) -> tuple[
    defaultdict[int, list[int]], defaultdict[int, list[Response]], defaultdict[int, list[Comment]]
]:
    """Each need's addressees (their ids), answers and comments: three queries, none when
    there is no need."""
    addressee_ids: defaultdict[int, list[int]] = defaultdict(list)
    responses: defaultdict[int, list[Response]] = defaultdict(list)
    comments: defaultdict[int, list[Comment]] = defaultdict(list)
    if ids:
        through = Need.addressees.through.objects.filter(need_id__in=ids)
        for need_id, user_id in through.values_list("need_id", "user_id"):
            addressee_ids[need_id].append(user_id)
        for response in Response.objects.filter(need_id__in=ids):  # in the order given
            responses[response.need_id].append(response)
        for comment in Comment.objects.filter(need_id__in=ids):
            comments[comment.need_id].append(comment)
    return addressee_ids, responses, comments


def _hidden_counters(views: list[NeedView], viewer: User) -> set[int]:
    """The counter-proposals `viewer` may not see (`rules.may_see`)."""
    every = {view.need.pk: view.need for view in views}
    return {
        view.need.pk
        for view in views
        if view.need.answers_id
        and not may_see(view.need, every.get(view.need.answers_id), viewer.pk)
    }


def _link(views: list[NeedView], *, base_url: str) -> None:
    """Give each card its URLs, the need it answers and its counter-proposals."""
    by_id = {view.need.pk: view.need for view in views}
    counters: dict[int, list[Need]] = defaultdict(list)
    for view in views:
        if view.need.answers_id:
            counters[view.need.answers_id].append(view.need)
    for view in views:
        need = view.need
        view.base_url = base_url
        view.answers_need = by_id.get(need.answers_id) if need.answers_id else None
        view.counters = counters.get(need.pk, [])


def _shown_state(view: NeedView) -> str:
    """A need's state as the page shows it: open while its answers are hidden."""
    return NeedState.OPEN if view.hidden else view.need.state


def _groups(views: list[NeedView]) -> dict[str, list[NeedView]]:
    """The cards by group (`GROUP_ORDER`): those waiting on the viewer's answer first."""
    groups: dict[str, list[NeedView]] = {name: [] for name in GROUP_ORDER}
    for view in views:
        if view.need.is_draft:
            groups["drafts"].append(view)
        elif not view.need.is_live:
            groups["closed"].append(view)
        elif view.can_answer and view.mine is None:
            groups["waiting"].append(view)
        else:
            groups[_shown_state(view)].append(view)
    return groups


def _standing(
    live: list[NeedView], parties: list[Participant], *, negotiating: bool
) -> list[Standing]:
    """Where each party stands on the needs on the table (`rules.stands_as`). An answer still
    hidden from the reader is open, and so is the state of a counter-proposal whose answers
    are hidden: a bar tells nothing the cards may not."""
    standing = {p.user_id: Standing(party=p.user) for p in parties}
    shown = {view.need.pk: _shown_state(view) for view in live}
    for view in live:
        for answer in view.answers:
            party_standing = standing.get(answer.party.pk)
            if party_standing is None:
                continue
            response = None if answer.hidden else answer.response
            stands = stands_as(
                response.answer if response else None,
                shown.get(response.counter_id) if response and response.counter_id else None,
                negotiating=negotiating,
            )
            if stands == NeedState.AGREED:
                party_standing.agreed += 1
            elif stands == NeedState.COUNTERED:
                party_standing.conversation += 1
            elif stands == NeedState.DECLINED:
                party_standing.declined += 1
            else:
                party_standing.open += 1
    return list(standing.values())


@dataclass
class _Around:
    """What the page shows around the needs."""

    events: list[Event]
    signed_by: list[User]
    versions: list[Version]
    invitations: list[Invitation]
    requests: list[FacilitatorRequest]
    is_current: bool


def _around_card(agreement: Agreement, version: Version) -> _Around:
    """A card shows nothing of the page around it (history, signatures, versions,
    invitations): a live update waits for every query, so it asks for none of those."""
    # Only the latest version is ever open, and cards are refreshed on open versions.
    is_current = (
        version.is_open or not agreement.versions.filter(number__gt=version.number).exists()
    )
    return _Around(
        events=[],
        signed_by=[],
        versions=[version],
        invitations=[],
        requests=[],
        is_current=is_current,
    )


def _around_page(
    agreement: Agreement, version: Version, participant: Participant, people: _People
) -> _Around:
    """The history, signatures, versions and pending invitations, and for a party the
    facilitators waiting for their agreement."""
    events = _latest_events(agreement, version, related=["need"])
    _name(events, "actor", people.users)
    signatures = list(version.signatures.order_by("signed_at", "pk"))
    _name(signatures, "party", people.users)
    versions = list(agreement.versions.order_by("number"))
    now = timezone.now()
    invitations = [
        i
        for i in agreement.invitations.order_by("-created_at")
        if is_pending(i, people.everyone, now)
    ]
    _name(invitations, "invited_by", people.users)
    waiting = [p for p in people.active if p.is_waiting]
    return _Around(
        events=events,
        signed_by=[s.party for s in signatures],
        versions=versions,
        invitations=invitations,
        requests=_facilitator_requests(waiting, people.parties) if participant.is_party else [],
        is_current=versions[-1].pk == version.pk,
    )


def _need_view(
    *,
    need: Need,
    addressees: list[User],
    responses: list[Response],
    comments: list[Comment],
    viewer: User,
    active: list[Participant],
    previous_visit: datetime.datetime | None,
    is_party: bool,
    may_comment: bool,
) -> NeedView:
    latest = latest_answers(responses, need.revision)
    hidden = need.answers_hidden  # stored by the rules after every change (`rules.answers_hidden`)
    is_author = need.author_id == viewer.pk
    carried = need.carried_from_id is not None
    live = need.is_live and is_party
    return NeedView(
        need=need,
        answers=_answers(addressees, latest, viewer, hidden=hidden),
        comments=comments,
        seen_by=_seen_by(need, active),
        mine=latest.get(viewer.pk),
        is_new=bool(
            previous_visit
            and not need.is_draft
            and _shown_change(need, responses, comments, viewer, hidden=hidden) > previous_visit
        ),
        hidden=hidden,
        # While hidden, not even an earlier answer may show that someone else answered.
        earlier_answers=len(responses) - len(latest)
        if not hidden
        else sum(r.party_id == viewer.pk for r in responses) - (viewer.pk in latest),
        reworded_since_you_answered=viewer.pk not in latest
        and any(r.party_id == viewer.pk and r.revision < need.revision for r in responses),
        can_answer=live and viewer.pk in {u.pk for u in addressees},
        can_edit=is_party
        and ((need.is_draft and is_author) or (live and may_change(need, viewer.pk))),
        # While hidden the need shows as open, to its author too, and may be withdrawn as such:
        # whatever was answered stays hidden for good (`Need.HIDES_ANSWERS`).
        can_withdraw=live and is_author and (hidden or need.state == NeedState.OPEN),
        can_reopen=live and carried and not hidden and need.state != NeedState.OPEN,
        can_drop=live and carried,
        can_comment=need.is_live and may_comment,
        note=getattr(need, "my_note", None) or "",
        note_updated_at=getattr(need, "my_note_updated_at", None),
    )


def _answers(
    addressees: list[User], latest: dict[int, Response], viewer: User, *, hidden: bool
) -> list[Answer]:
    """Each addressee's latest answer, by name."""
    answers = [
        Answer(
            party=user,
            response=latest.get(user.pk),
            hidden=hidden and user.pk != viewer.pk and user.pk in latest,
        )
        for user in sorted(addressees, key=lambda u: u.name.lower())
    ]
    if hidden:
        # Nobody learns even *that* others answered, only how many are still to answer.
        answers = [
            a if a.party.pk == viewer.pk else Answer(party=a.party, response=None, hidden=True)
            for a in answers
        ]
    return answers


def _seen_by(need: Need, active: list[Participant]) -> list[User]:
    """Who has been to the page since the need was put down (its author aside)."""
    seen_since = need.put_down_at or need.created_at
    return [
        p.user
        for p in active
        if p.user_id != need.author_id and p.last_seen_at and p.last_seen_at >= seen_since
    ]


def _shown_change(
    need: Need,
    responses: list[Response],
    comments: list[Comment],
    viewer: User,
    *,
    hidden: bool,
) -> datetime.datetime:
    """When the need last changed as `viewer` sees it. An answer bumps `changed_at`; while the
    answers are hidden, someone else's answer is no change to this reader (or "new since your
    last visit" would single out the need just answered): then the last change they can see
    counts, the need put down, a comment, their own answer."""
    others = {r.created_at for r in responses if r.party_id != viewer.pk}
    if not hidden or need.changed_at not in others:
        return need.changed_at
    seen = [need.put_down_at or need.created_at]
    seen += [c.created_at for c in comments]
    seen += [r.created_at for r in responses if r.party_id == viewer.pk]
    return max(seen)


def _facilitator_requests(
    waiting: list[Participant], parties: list[Participant]
) -> list[FacilitatorRequest]:
    """Who has agreed to each waiting facilitator, and who has not yet (one query, and none
    when nobody waits)."""
    if not waiting:
        return []
    agreed: dict[int, set[int]] = defaultdict(set)
    consents = FacilitatorConsent.objects.filter(facilitator__in=waiting)
    for facilitator_id, party_id in consents.values_list("facilitator_id", "party_id"):
        agreed[facilitator_id].add(party_id)
    users = {p.user_id: p.user for p in parties}
    return [
        FacilitatorRequest(
            participant=f,
            agreed=[p.user for p in parties if p.user_id in agreed[f.pk]],
            waiting_on=[
                users[user_id]
                for user_id in still_to_consent([p.user_id for p in parties], agreed[f.pk])
            ],
        )
        for f in waiting
    ]


ANSWER_EVENTS = {Event.Kind.ACCEPTED, Event.Kind.DECLINED, Event.Kind.COUNTERED}


def hidden_from(agreement: Agreement, viewer: User) -> tuple[set[int], set[int]]:
    """The needs of the agreement whose answers are hidden, and the needs hidden from `viewer`
    altogether (`models.needs_hidden_from`: others' drafts, others' counter-proposals while
    hidden), as `build` works them out for its version."""
    needs = Need.objects.filter(version__agreement=agreement)
    hidden_needs = set(needs.filter(answers_hidden=True).values_list("pk", flat=True))
    unseen = set(needs.filter(needs_hidden_from(viewer.pk)).values_list("pk", flat=True))
    return hidden_needs, unseen


def _latest_events(agreement: Agreement, version: Version, related: list[str]) -> list[Event]:
    """The history the page of `version` shows, latest first, with the rows named in `related`
    joined. A later version's history is not part of an earlier one, kept as it was."""
    events = Event.objects.filter(agreement=agreement)
    if version.state == Version.State.SUPERSEDED:
        events = events.filter(version=version)
    return list(events.select_related(*related).order_by("-pk")[:HISTORY_LENGTH])


def history(*, agreement: Agreement, version: Version, viewer: User) -> list[Event]:
    """The history as `build` shows it on the page of `version`, alone: what a page asks for
    after a comment, which changes nothing else on it but the need's card."""
    hidden_needs, hidden_counters = (
        hidden_from(agreement, viewer) if agreement.answer_independently else (set(), set())
    )
    events = _latest_events(agreement, version, related=["actor", "need"])
    tell_apart(current_people(agreement), [e.actor for e in events if e.actor])
    return mask_hidden_answers(events, hidden_needs, hidden_counters, viewer)


def current_people(agreement: Agreement) -> list[User]:
    """The agreement's current participants, in the order they joined: whom `tell_apart` tells
    apart by name."""
    return list(
        User.objects.filter(
            participations__agreement=agreement, participations__left_at__isnull=True
        ).order_by("participations__joined_at", "participations__id")
    )


def history_since(
    agreement: Agreement, viewer: User, since: datetime.datetime
) -> tuple[list[Event], set[int]]:
    """Everything that happened since a moment, oldest first, as `viewer` may see it: answers
    still hidden say only that someone answered. Also returns the hidden counter-proposals."""
    hidden_needs, hidden_counters = hidden_from(agreement, viewer)
    events = list(
        Event.objects.filter(agreement=agreement, created_at__gte=since)
        .select_related("actor", "need")
        .order_by("created_at", "pk")
    )
    return mask_hidden_answers(events, hidden_needs, hidden_counters, viewer), hidden_counters


def mask_hidden_answers(
    events: list[Event], hidden_needs: set[int], hidden_counters: set[int], viewer: User
) -> list[Event]:
    """While answers are hidden, the history says that someone answered, not what."""
    events = [e for e in events if e.need_id not in hidden_counters]
    for event in events:
        event.masked = (  # type: ignore[attr-defined]
            event.kind in ANSWER_EVENTS
            and event.need_id in hidden_needs
            and event.actor_id != viewer.pk
        )
    return events
