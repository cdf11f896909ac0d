"""Agreement pages, one module per page. Each view: check access, validate, call a rule, then
render or redirect. Other apps take the access helpers from here."""

from agreements.views.access import need_for, participant_for, party_for, place_for

__all__ = ["need_for", "participant_for", "party_for", "place_for"]
