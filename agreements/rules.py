"""Pure rules with no database: how a need's answers decide its state."""

from collections.abc import Iterable, Mapping

from agreements.models import NeedState, Response


def decide(addressees: Iterable[int], answers: Mapping[int, str]) -> NeedState:
    """A need is declined as soon as one addressee declined (nobody can be made to pick it up),
    countered when one answered with a counter-proposal, agreed when every addressee accepted,
    and open otherwise. `answers` maps a party's id to their latest answer to the current
    wording."""
    addressed = set(addressees)
    given = [answer for party, answer in answers.items() if party in addressed]
    if Response.Answer.DECLINE in given:
        return NeedState.DECLINED
    if Response.Answer.COUNTER in given:
        return NeedState.COUNTERED
    if (
        addressed
        and len(given) == len(addressed)
        and all(a == Response.Answer.ACCEPT for a in given)
    ):
        return NeedState.AGREED
    return NeedState.OPEN
