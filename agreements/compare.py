"""Compare two versions of an agreement need by need."""

import difflib
from dataclasses import dataclass
from enum import StrEnum

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from agreements.models import Agreement, Need, NeedState, Version
from agreements.rules import agreed_instead, may_see, settled_by_counter


class Change(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    REWORDED = "reworded"
    LOOKS_LIKE = "looks-like"
    INSTEAD = "instead"
    DECISION = "decision"
    NOT_CARRIED = "not-carried"
    DROPPED = "dropped"
    SAME = "same"


CHANGE_LABELS = {
    Change.ADDED: _("Added"),
    Change.REMOVED: _("Removed"),
    Change.REWORDED: _("Reworded"),
    Change.LOOKS_LIKE: _("What it looks like changed"),
    Change.INSTEAD: _("Agreed instead"),
    Change.DECISION: _("Decision changed"),
    Change.NOT_CARRIED: _("Not carried over"),
    Change.DROPPED: _("Dropped"),
    Change.SAME: _("Unchanged"),
}

ORDER = [
    Change.REWORDED,
    Change.LOOKS_LIKE,
    Change.INSTEAD,
    Change.DECISION,
    Change.ADDED,
    Change.NOT_CARRIED,
    Change.DROPPED,
    Change.REMOVED,
    Change.SAME,
]


@dataclass
class Row:
    change: Change
    before: Need | None
    after: Need | None
    wording: SafeString | None = None
    looks_like_changed: bool = False
    decision_changed: bool = False
    # Change.INSTEAD: the need a counter-proposal was agreed in place of.
    in_place_of: Need | None = None

    @property
    def label(self) -> str:
        return str(CHANGE_LABELS[self.change])


def word_diff(before: str, after: str) -> SafeString:
    """The wording difference, words removed in <del> and added in <ins>; all text escaped."""
    a, b = before.split(), after.split()
    parts: list[SafeString] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b).get_opcodes():
        if op == "equal":
            parts.append(escape(" ".join(a[i1:i2])))
            continue
        if i2 > i1:
            parts.append(format_html("<del>{}</del>", " ".join(a[i1:i2])))
        if j2 > j1:
            parts.append(format_html("<ins>{}</ins>", " ".join(b[j1:j2])))
    # format_html escapes every word; no mark_safe to trust by eye.
    return format_html_join(" ", "{}", ((part,) for part in parts))


def _roots(agreement: Agreement) -> dict[int, int]:
    """Each need's oldest ancestor through carried_from: the same need across versions."""
    parent = dict(
        Need.objects.filter(version__agreement=agreement).values_list("pk", "carried_from_id")
    )
    roots: dict[int, int] = {}
    for pk in parent:
        node = pk
        seen = set()
        while parent.get(node) and node not in seen:
            seen.add(node)
            node = parent[node]
        roots[pk] = node
    return roots


def _on_the_table(agreement: Agreement, version: Version, viewer_id: int) -> list[Need]:
    """The needs put down in `version` that `viewer_id` may see, including those dropped."""
    needs = list(
        version.needs.filter(status__in=[Need.Status.PUT_DOWN, Need.Status.DROPPED])
        .select_related("author")
        .order_by("put_down_at", "pk")
    )
    if not agreement.answer_independently:
        return needs
    # Answers still hidden on the agreement page stay hidden here: the decision shows as open,
    # and counter-proposals (answers too) show to their authors only, as on the page.
    by_id = {need.pk: need for need in needs}
    shown = [need for need in needs if may_see(need, by_id.get(need.answers_id or 0), viewer_id)]
    for need in shown:
        if need.answers_hidden:
            need.state = NeedState.OPEN
    return shown


def _dropped(need: Need) -> bool:
    return need.status == Need.Status.DROPPED


def _left_behind(old: Need, new: Need | None, *, forward: bool) -> Change:
    """How a need of `base` that is not on the table in `other` reads."""
    if _dropped(old) or (new is not None and _dropped(new)):
        return Change.DROPPED
    if forward and old.state in (NeedState.DECLINED, NeedState.COUNTERED):
        # At a renegotiation only agreed needs carry over; the others were not agreed.
        return Change.NOT_CARRIED
    return Change.REMOVED


def _both_there(old: Need, new: Need) -> Row:
    reworded = old.statement != new.statement
    looks_like_changed = old.looks_like != new.looks_like
    decided = old.state != new.state
    if reworded:
        change = Change.REWORDED
    elif looks_like_changed:
        change = Change.LOOKS_LIKE
    else:
        change = Change.DECISION if decided else Change.SAME
    return Row(
        change,
        old,
        new,
        wording=word_diff(old.statement, new.statement) if reworded else None,
        looks_like_changed=looks_like_changed,
        decision_changed=decided,
    )


def compare(agreement: Agreement, base: Version, other: Version, viewer_id: int) -> list[Row]:
    """What changed from `base` to `other`, as `viewer_id` may see it."""
    roots = _roots(agreement)
    forward = base.number < other.number
    base_needs = _on_the_table(agreement, base, viewer_id)
    before = {roots[n.pk]: n for n in base_needs}
    after = {roots[n.pk]: n for n in _on_the_table(agreement, other, viewer_id)}
    # A countered need settled by agreeing one of its counter-proposals: that counter-proposal
    # is what was agreed in its place, so the two read as one change.
    counters: dict[int, list[Need]] = {}
    for need in base_needs:
        if need.answers_id is not None:
            counters.setdefault(need.answers_id, []).append(need)
    instead: dict[int, Need] = {}  # the agreed counter-proposal's root -> the need it settled
    for need in base_needs:
        answered_by = counters.get(need.pk, [])
        if need.is_live and settled_by_counter(need.state, [c.state for c in answered_by]):
            agreed = next(c for c in answered_by if agreed_instead(c.state))
            carried = after.get(roots[need.pk])
            if agreed.is_live and (carried is None or not carried.is_live):
                instead[roots[agreed.pk]] = need
    settled = {need.pk for need in instead.values()}

    rows: list[Row] = []
    for root, old in before.items():
        new = after.get(root)
        if old.pk in settled:
            continue  # shown with the counter-proposal agreed in its place
        if new is not None and old.is_live and new.is_live:
            row = _both_there(old, new)
            if root in instead and row.change in (Change.SAME, Change.DECISION):
                row.change = Change.INSTEAD
        elif not old.is_live and new is not None and new.is_live:
            row = Row(Change.ADDED, None, new)  # dropped in `base`, back on the table
        else:
            row = Row(_left_behind(old, new, forward=forward), old, new)
        row.in_place_of = instead.get(root)
        rows.append(row)
    rows.extend(
        Row(Change.ADDED, None, new)
        for root, new in after.items()
        if root not in before and new.is_live
    )
    rows.sort(key=lambda row: ORDER.index(row.change))
    return rows
