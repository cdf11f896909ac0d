"""A realistic agreement for benches: 4 parties, N needs with answers and comments."""

from accounts.models import User
from agreements import services
from agreements.models import Agreement, Participant, Response

PASSWORD = "bench-password-1"  # noqa: S105


def make_agreement(needs: int = 50, prefix: str = "bench") -> tuple[Agreement, list[User]]:
    people = [
        User.objects.create_user(f"{name}@{prefix}.example", PASSWORD, display_name=name.title())
        for name in ("alice", "bob", "carol", "dan")
    ]
    alice, *others = people
    agreement = services.agreement_create(creator=alice, title=f"{prefix.title()} agreement")
    for person in others:
        Participant.objects.create(agreement=agreement, user=person)
    version = agreement.versions.get()
    answers = [Response.Answer.ACCEPT, Response.Answer.ACCEPT, Response.Answer.DECLINE]
    for n in range(needs):
        author = people[n % len(people)]
        need = services.need_draft(
            version=version,
            author=author,
            statement=f"Need {n}: show up when you say you will, and say so when you cannot.",
            looks_like="If you will be more than ten minutes late, you message me before.",
        )
        services.need_put_down(need=need, actor=author)
        for i, person in enumerate(p for p in people if p != author):
            if (n + i) % 4:
                services.need_respond(
                    need=need, party=person, answer=answers[(n + i) % 3], reason="Fair enough."
                )
        services.need_comment(need=need, author=author, body="This one matters to me.")
    return agreement, people


def session_cookie(user: User) -> str:
    """A signed-in session for `user`, as the value of the `sessionid` cookie."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value
