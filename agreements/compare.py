"""Compare two versions of an agreement need by need."""

import difflib
from dataclasses import dataclass
from enum import StrEnum

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from agreements.models import Agreement, Need, NeedState, Version
from agreements.rules import may_see


class Change(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    REWORDED = "reworded"
    DECISION = "decision"
    SAME = "same"


CHANGE_LABELS = {
    Change.ADDED: _("Added"),
    Change.REMOVED: _("Removed"),
    Change.REWORDED: _("Reworded"),
    Change.DECISION: _("Decision changed"),
    Change.SAME: _("Unchanged"),
}


@dataclass
class Row:
    change: Change
    before: Need | None
    after: Need | None
    wording: SafeString | None = None
    decision_changed: bool = False

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
    needs = list(
        version.needs.exclude(status=Need.Status.DRAFT)
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


def compare(agreement: Agreement, base: Version, other: Version, viewer_id: int) -> list[Row]:
    """What changed from `base` to `other`, as `viewer_id` may see it."""
    roots = _roots(agreement)
    before = {roots[n.pk]: n for n in _on_the_table(agreement, base, viewer_id) if n.is_live}
    after = {roots[n.pk]: n for n in _on_the_table(agreement, other, viewer_id) if n.is_live}
    rows: list[Row] = []
    for root, old in before.items():
        new = after.get(root)
        if new is None:
            rows.append(Row(Change.REMOVED, old, None))
            continue
        reworded = (old.statement, old.looks_like) != (new.statement, new.looks_like)
        decided = old.state != new.state
        change = Change.REWORDED if reworded else Change.DECISION if decided else Change.SAME
        rows.append(
            Row(
                change,
                old,
                new,
                wording=word_diff(old.statement, new.statement) if reworded else None,
                decision_changed=decided,
            )
        )
    rows.extend(Row(Change.ADDED, None, new) for root, new in after.items() if root not in before)
    order = [Change.REWORDED, Change.DECISION, Change.ADDED, Change.REMOVED, Change.SAME]
    rows.sort(key=lambda row: order.index(row.change))
    return rows
