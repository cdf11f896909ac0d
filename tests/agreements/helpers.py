"""Building blocks for the view tests: agreements in known states, built through the rules
(agreements.services), and a few checks on what a response shows.

Plain functions, not fixtures: each test module picks its own people and states.
"""

import html as entities
import re
from typing import TYPE_CHECKING, Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from agreements import kept, services
from agreements.models import (
    Agreement,
    Comment,
    Event,
    Invitation,
    Need,
    Participant,
    Response,
    Signature,
    Version,
)
from tests.accounts.factories import UserFactory

if TYPE_CHECKING:
    import pytest
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

HX = {"HX-Request": "true"}
# Where an invitation link sends its visitor, the token kept in their session.
INVITATION_PAGE = "/invitation/"


def open_invitation(client: Client, token: str) -> "TestResponse":
    """Open an invitation link as a browser does: the link, then the page it redirects to."""
    response = client.get(reverse("agreements:invitation", args=[token]))
    assert response.status_code == 302
    assert response["Location"] == reverse("agreements:invitation-open") == INVITATION_PAGE
    return client.get(INVITATION_PAGE)


def join_by_link(client: Client, token: str) -> "TestResponse":
    """Open the link, then press "Join the agreement" (signed in)."""
    open_invitation(client, token)
    return client.post(INVITATION_PAGE)


def person(name: str) -> User:
    """Someone else with a verified address, like the alice/bob/carol fixtures."""
    email = f"{name.lower()}@example.com"
    user = UserFactory.create(email=email, display_name=name)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


# States -----------------------------------------------------------------------------------


def start(
    creator: User,
    *parties: User,
    title: str = "Our home",
    answer_independently: bool = False,
) -> Agreement:
    """An agreement `creator` started, with `parties` joined through real invitation links."""
    agreement = services.agreement_create(
        creator=creator, title=title, answer_independently=answer_independently
    )
    for user in parties:
        join(agreement, user, inviter=creator)
    return agreement


def invite(agreement: Agreement, email: str, *, inviter: User | None = None) -> Invitation:
    inviter = inviter or agreement.created_by
    assert inviter is not None
    return services.invitation_create(agreement=agreement, inviter=inviter, email=email)


def invitation_in(message: Any) -> Invitation:
    """The invitation whose link an email carries. Links are signed with the second they were made,
    so a test reads the link from the email rather than signing one again and comparing."""
    link = re.search(r"https?://\S+/invitations/(\S+)/", str(message.body))
    assert link, message.body
    return services.invitation_from_token(link.group(1))


def join(agreement: Agreement, user: User, *, inviter: User | None = None) -> Participant:
    invitation = invite(agreement, user.email, inviter=inviter)
    return services.invitation_accept(token=services.invitation_token(invitation), user=user)


def add_facilitator(agreement: Agreement, user: User, *, consented: bool = True) -> Participant:
    """A facilitator in the agreement, straight through the ORM: by default every party has
    agreed and they read it; with consented=False they wait (see invite_facilitator for the
    real way in)."""
    return Participant.objects.create(
        agreement=agreement,
        user=user,
        role=Participant.Role.FACILITATOR,
        access_from=timezone.now() if consented else None,
    )


def invite_facilitator(agreement: Agreement, user: User, *, inviter: User) -> Participant:
    """`inviter` invites `user` as a facilitator and they accept: inviting is agreeing, so
    they wait for the other parties."""
    invitation = services.invitation_create(
        agreement=agreement, inviter=inviter, email=user.email, role=Participant.Role.FACILITATOR
    )
    return services.invitation_accept(token=services.invitation_token(invitation), user=user)


def current(agreement: Agreement) -> Version:
    version = agreement.versions.order_by("-number").first()
    assert version is not None
    return version


def draft(agreement: Agreement, author: User, statement: str = "A quiet hour") -> Need:
    return services.need_draft(version=current(agreement), author=author, statement=statement)


def put_down(
    agreement: Agreement,
    author: User,
    statement: str = "Tell me when you will be late",
    *,
    to: list[User] | None = None,
) -> Need:
    need = draft(agreement, author, statement)
    ids = None if to is None else [u.pk for u in to]
    return services.need_put_down(need=need, actor=author, addressee_ids=ids)


def answer(need: Need, party: User, how: str = "accept", **kwargs: Any) -> Response:
    return services.need_respond(need=need, party=party, answer=how, **kwargs)


def comment(need: Need, author: User, body: str = "Let us talk about it") -> Comment:
    return services.need_comment(need=need, author=author, body=body)


def seal(agreement: Agreement, *parties: User) -> Version:
    """Every party signs the current version; the last signature seals it."""
    version = current(agreement)
    for party in parties:
        version = services.version_sign(version=version, party=party)
    assert version.state == Version.State.SEALED
    return version


def renegotiate(agreement: Agreement, party: User, reason: str = "A new year") -> Version:
    return services.version_renegotiate(agreement=agreement, party=party, reason=reason)


def many_needs(agreement: Agreement, author: User, to: list[User], count: int) -> list[Need]:
    """`count` needs put down at once, straight through the ORM (the rules would take minutes
    for hundreds): every third answered by the first addressee, every fourth commented on."""
    version = current(agreement)
    now = timezone.now()
    needs = Need.objects.bulk_create(
        Need(
            version=version,
            author=author,
            statement=f"Need number {n}",
            looks_like=f"It looks like {n}",
            category="honesty" if n % 2 else "",
            status=Need.Status.PUT_DOWN,
            state=Need._meta.get_field("state").default,
            put_down_at=now,
            changed_at=now,
            created_at=now,
        )
        for n in range(count)
    )
    Need.addressees.through.objects.bulk_create(
        Need.addressees.through(need_id=need.pk, user_id=user.pk) for need in needs for user in to
    )
    answered = needs[::3]
    Response.objects.bulk_create(
        Response(need=need, party=to[0], answer="accept", reason="Fine by me", revision=1)
        for need in answered
    )
    Comment.objects.bulk_create(
        Comment(need=need, author=to[0], body=f"About {need.statement}") for need in needs[::4]
    )
    # What every change does after it: the rules work out states and who waits on whom.
    services.settle(agreement, now=now)
    return needs


def reload(need: Need) -> Need:
    return Need.objects.get(pk=need.pk)


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every stored row a view could change, so a test can say "nothing changed"."""
    return {
        "needs": list(
            Need.objects.order_by("pk").values_list(
                "pk", "version_id", "statement", "looks_like", "status", "state", "revision"
            )
        ),
        "addressees": list(
            Need.addressees.through.objects.order_by("pk").values_list("need_id", "user_id")
        ),
        "responses": list(Response.objects.order_by("pk").values_list("pk", "answer", "reason")),
        "comments": list(Comment.objects.order_by("pk").values_list("pk", "body")),
        "events": list(Event.objects.order_by("pk").values_list("pk", "kind")),
        "signatures": list(Signature.objects.order_by("pk").values_list("pk", "party_id")),
        "versions": list(Version.objects.order_by("pk").values_list("pk", "state")),
        "participants": list(
            Participant.objects.order_by("pk").values_list("pk", "user_id", "role", "left_at")
        ),
        "invitations": list(
            Invitation.objects.order_by("pk").values_list(
                "pk", "nonce", "accepted_at", "revoked_at", "expires_at"
            )
        ),
    }


# URLs -------------------------------------------------------------------------------------


def url(name: str, agreement: Agreement, *args: object) -> str:
    return reverse(f"agreements:{name}", args=[agreement.public_id, *args])


def need_url(action: str, need: Need) -> str:
    return reverse(f"agreements:need-{action}", args=[need.version.agreement.public_id, need.pk])


def detail_url(agreement: Agreement) -> str:
    return url("detail", agreement)


def login_url(next_url: str) -> str:
    return f"{reverse('account_login')}?next={next_url}"


# What a response shows --------------------------------------------------------------------


def html(response: "TestResponse") -> str:
    return response.content.decode()


PER_RESPONSE = re.compile(r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": "| nonce=")[^"]+"')


def served_from_cache(monkeypatch: "pytest.MonkeyPatch") -> list[str]:
    """The places of the pages served from the cache from now on (agreements/kept.py), as a
    list that fills as they are served."""
    served: list[str] = []
    kept_page = kept.page

    def counted(place: kept.PagePlace) -> kept.Page | None:
        page = kept_page(place)
        if page is not None:
            served.append(place.key)
        return page

    monkeypatch.setattr(kept, "page", counted)
    return served


def cached_keys(prefix: str) -> list[str]:
    """The keys in the cache that start with `prefix` (Redis when configured, else this
    process's memory), without the cache's own key prefix."""
    own = cache.make_key("")
    if settings.REDIS_URL:
        redis = cache._cache.get_client(write=False)  # type: ignore[attr-defined]
        keys = [k.decode() for k in redis.scan_iter(f"{own}{prefix}*")]
    else:
        keys = list(cache._cache)  # type: ignore[attr-defined]
    return [k.removeprefix(own) for k in keys if k.startswith(f"{own}{prefix}")]


def same_page(page: str) -> str:
    """A page without its CSRF tokens, masked afresh for every response, and its scripts'
    Content-Security-Policy nonce, new in every response."""
    return PER_RESPONSE.sub(r'\1"', page)


def text(response: "TestResponse") -> str:
    """The page's words without markup: what someone reading it sees (a <bdi> around a name
    adds no space)."""
    words = re.sub(r"<[^>]+>", " ", re.sub(r"</?bdi>", "", html(response)))
    return entities.unescape(re.sub(r"\s+", " ", words))


def assert_full_page(response: "TestResponse") -> None:
    assert response.status_code == 200
    assert "<html" in html(response)


def assert_fragment(response: "TestResponse") -> None:
    """The negotiation region on its own, as htmx swaps it in: not a whole page."""
    assert response.status_code == 200
    body = html(response)
    assert "<html" not in body
    assert "<body" not in body
    assert 'id="negotiation"' in body


def messages_of(response: "TestResponse") -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def assert_redirects_to_login(response: "TestResponse", path: str) -> None:
    assert response.status_code == 302
    assert response["Location"] == login_url(path)


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client
