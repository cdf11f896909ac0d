"""Need cards and history lines, rendered once per state and kept in the cache.

A card is the bulk of an agreement page: 50 needs are about 50 cards and most of the time it
takes to render the page. Between two changes a card comes out the same, so each one is cached
under a fingerprint of everything it is rendered from: the need and every object the card shows
(answers, comments, who has seen it, the viewer's own note…), the viewer and what they may do,
the language, the time zone and the release (config/release.py). Any change to any of these is a
new fingerprint, hence a fresh render; nothing is ever invalidated by hand, and an old entry
simply expires. The fingerprint is built from the card's data generically (every field of every
object in it), so a field the card starts to show later is covered without anyone remembering to
add it.

The CSRF token is the one thing on a card that belongs to the browser rather than to the data:
cards are rendered with a placeholder, which each response swaps for its own token.

A line of the history (one event, as one reader may see it) is kept the same way: every reader of
an agreement sees mostly the same lines, and after a change only the new line is rendered, once
for all of them. An event never changes (the database refuses it: migration 0005), so a line's
fingerprint is the event's id and what can change around it: whether it is masked for this
reader, the actor's name and the need's wording.
"""

import dataclasses
import datetime
import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.db.models import Model
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.safestring import SafeString

from accounts.models import User
from agreements import pages
from agreements.models import Event
from agreements.negotiation import NeedView, VersionView
from config import release

TEMPLATE = "agreements/_need.html"
HISTORY_LINE = "agreements/_history_line.html"
TIMEOUT = 24 * 60 * 60


SCALARS = frozenset({type(None), str, int, float, bool, datetime.datetime})


_FIELDS: dict[type, tuple[str, ...]] = {}


def _stamped_fields(cls: type) -> tuple[str, ...]:
    """A dataclass's fields that are part of a card (not the rendered card itself), once."""
    names = _FIELDS.get(cls)
    if names is None:
        fields = dataclasses.fields(cls)
        names = _FIELDS[cls] = tuple(f.name for f in fields if f.metadata.get("stamp", True))
    return names


def _stamp(value: Any, out: list[Any], seen: set[int]) -> None:
    """Flatten `value` into `out`: every field of every model instance in it (and of the objects
    loaded with it, such as a need's author), dataclasses field by field, lists in order. An
    instance met again (an answer's need is the card's need) is stamped once, by position."""
    kind = type(value)
    if kind in SCALARS:  # most of what a card holds: checked first
        out.append(value)
    elif isinstance(value, Model):
        if id(value) in seen:
            out.append(("again", kind.__name__, value.pk))
        elif isinstance(value, User):
            # A card shows a person by name, nothing else of their account (which changes at
            # each login): stamping the whole row would make every card of theirs miss after one.
            out.append(("User", value.pk, value.name))
        else:
            seen.add(id(value))
            out.append(kind.__name__)
            # Every loaded field and annotation, by name (Django's bookkeeping starts with _).
            out.append([item for item in value.__dict__.items() if item[0][0] != "_"])
            for related in value._state.fields_cache.values():
                _stamp(related, out, seen)
            out.append(")")
    elif kind is list or kind is tuple:
        out.append("[")
        for element in value:
            _stamp(element, out, seen)
        out.append("]")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for name in _stamped_fields(kind):
            _stamp(getattr(value, name), out, seen)
    else:
        raise TypeError(f"a card is rendered from a {kind.__name__}: say how to stamp it")


def fingerprint(view: VersionView, item: NeedView, sources: str) -> str:
    """What this card is rendered from, for this viewer, in one short string."""
    out: list[Any] = [
        sources,
        translation.get_language(),
        timezone.get_current_timezone_name(),
        view.agreement.public_id,
        view.viewer.pk,
        view.is_party,
        view.is_current,
        view.version.is_open,
    ]
    _stamp(item, out, set())
    return hashlib.blake2b(repr(out).encode(), digest_size=20).hexdigest()


def _kept_or_rendered[T](keyed: list[tuple[str, T]], render: Callable[[T], str]) -> list[str]:
    """The HTML of each item: from the cache under its key, or rendered (and kept) where it is
    missing. One round trip to the cache to read, one to write what was missing."""
    found = cache.get_many([key for key, _ in keyed])
    rendered: dict[str, str] = {}
    html = []
    for key, item in keyed:
        kept = found.get(key)
        if kept is None:
            kept = rendered[key] = render(item)
        html.append(kept)
    if rendered:
        cache.set_many(rendered, TIMEOUT)
    return html


def render_cards(
    request: HttpRequest, view: VersionView, items: Iterable[NeedView], token: str = ""
) -> None:
    """Set `item.html` on each item: from the cache where the card is unchanged, rendered (and
    kept) otherwise. The cards carry `token` as their CSRF token, by default the request's."""
    items = list(items)
    sources = release.digest()
    template = get_template(TEMPLATE)

    def render(item: NeedView) -> str:
        # No request in the context: nothing of one browser's can end up in the cache.
        context = {"view": view, "item": item, "csrf_token": pages.CSRF_PLACEHOLDER}
        return str(template.render(context))

    keyed = [(f"card:{fingerprint(view, item, sources)}", item) for item in items]
    token = token or get_token(request)
    for item, html in zip(items, _kept_or_rendered(keyed, render), strict=True):
        # Our template's output, escaped there; only the CSRF token (ours too) goes in.
        item.html = SafeString(html.replace(pages.CSRF_PLACEHOLDER, token))  # nosec B703


def render_history(events: Iterable[Event]) -> None:
    """Set `event.html` on each line of a history (its `masked` already set for the reader):
    from the cache where the line is unchanged, rendered (and kept) otherwise."""
    events = list(events)
    shared = [release.digest(), translation.get_language(), timezone.get_current_timezone_name()]
    template = get_template(HISTORY_LINE)
    keyed = []
    for event in events:
        need = event.need
        out = [
            *shared,
            event.pk,
            getattr(event, "masked", False),
            event.actor.name if event.actor else None,
            need.statement if need else None,
        ]
        key = "line:" + hashlib.blake2b(repr(out).encode(), digest_size=20).hexdigest()
        keyed.append((key, event))
    lines = _kept_or_rendered(keyed, lambda event: str(template.render({"event": event})))
    for event, html in zip(events, lines, strict=True):
        # Our template's output, escaped there.
        event.html = SafeString(html)  # type: ignore[attr-defined]  # nosec B703
