"""Every change to an agreement. Each function is one transaction, records what happened as an
Event, and then settles the agreement: what the rules (agreements/rules.py) derive from it is
stored (`settle`).

Functions take keyword arguments, never a request, and raise NegotiationError with a message
meant for the person who tried. Callers use the names below (`services.need_respond`); the
modules hold them by topic:

- core: NegotiationError, recording a change and settling the agreement after it (`settle`),
  the locks and the order every change takes them in, and the checks the topics share;
- agreements: starting an agreement and leaving one;
- invitations: inviting by address, the link and joining with it, addresses that change or
  are forgotten when an account is deleted;
- facilitators: agreeing to a facilitator and ending their place;
- needs: a need from draft to decision, its answers and comments;
- versions: signing, asking for answers by a date, renegotiating;
- notes: a party's private notes.

Each topic imports core, which imports none of them; agreements and invitations also import
facilitators (whether a facilitator may read changes when a party joins or leaves), and
invitations imports needs (an inviter's drafts can go down the moment someone joins).
"""

from agreements.services.agreements import agreement_create, agreement_leave
from agreements.services.core import (
    NegotiationError,
    derived_waits,
    lock_latest_version,
    record_event,
    settle,
)
from agreements.services.facilitators import (
    facilitator_consent,
    facilitator_end,
    facilitators_of,
)
from agreements.services.invitations import (
    FORGOTTEN_DOMAIN,
    INVITATION_LIFETIME,
    INVITATION_SALT,
    AddressTaken,
    address_changed,
    address_has_account,
    forgotten_address,
    invitation_accept,
    invitation_accept_new,
    invitation_check_invitee,
    invitation_create,
    invitation_facilitators,
    invitation_from_token,
    invitation_join,
    invitation_joined_with,
    invitation_resend,
    invitation_revoke,
    invitation_token,
    invitation_url,
    invitation_was_used,
    invitations_forget,
    is_forgotten,
    is_invitee,
    masked_address,
)
from agreements.services.needs import (
    latest_answers,
    need_comment,
    need_delete_draft,
    need_draft,
    need_drop,
    need_edit,
    need_offer_again,
    need_put_down,
    need_reopen,
    need_respond,
    need_withdraw,
    needs_put_down_all,
)
from agreements.services.notes import private_note_save
from agreements.services.versions import (
    RESPOND_BY_LIMIT,
    open_needs,
    version_renegotiate,
    version_set_respond_by,
    version_sign,
)

__all__ = [
    "AddressTaken",
    "FORGOTTEN_DOMAIN",
    "INVITATION_LIFETIME",
    "INVITATION_SALT",
    "NegotiationError",
    "RESPOND_BY_LIMIT",
    "address_changed",
    "address_has_account",
    "agreement_create",
    "agreement_leave",
    "derived_waits",
    "facilitator_consent",
    "facilitator_end",
    "facilitators_of",
    "forgotten_address",
    "invitation_accept",
    "invitation_accept_new",
    "invitation_check_invitee",
    "invitation_create",
    "invitation_facilitators",
    "invitation_from_token",
    "invitation_join",
    "invitation_joined_with",
    "invitation_resend",
    "invitation_revoke",
    "invitation_token",
    "invitation_url",
    "invitation_was_used",
    "invitations_forget",
    "is_forgotten",
    "is_invitee",
    "latest_answers",
    "lock_latest_version",
    "masked_address",
    "need_comment",
    "need_delete_draft",
    "need_draft",
    "need_drop",
    "need_edit",
    "need_offer_again",
    "need_put_down",
    "need_reopen",
    "need_respond",
    "need_withdraw",
    "needs_put_down_all",
    "open_needs",
    "private_note_save",
    "record_event",
    "settle",
    "version_renegotiate",
    "version_set_respond_by",
    "version_sign",
]
