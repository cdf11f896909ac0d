"""One need: put it down, answer it, comment on it, keep a private note on it, and its card."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from agreements import kept, negotiation, news, revisions, rules, services
from agreements.forms import (
    CommentForm,
    NeedForm,
    NeedWithAddresseesForm,
    PrivateNoteForm,
    PutDownForm,
    RespondForm,
)
from agreements.library import BY_SLUG, suggestions_for
from agreements.models import Need, Participant, Response
from agreements.services import NegotiationError
from agreements.views.access import need_for, participant_for, party_for
from agreements.views.agreement import act_on, after_action
from agreements.views.answer import remember_answered
from config.ratelimit import too_many, within_limit

# Thirty needs or comments in ten minutes is more than any conversation between people; the
# cap keeps a script (or a stuck key) from flooding everyone's page and inbox.
NEED_LIMIT = 30
COMMENT_LIMIT = 30
LIMIT_WINDOW = 10 * 60


def _others(participant: Participant) -> list[User]:
    return [
        p.user
        for p in Participant.objects.parties()
        .filter(agreement=participant.agreement)
        .exclude(user=participant.user)
        .select_related("user")
    ]


def _too_many_needs(request: AuthenticatedHttpRequest) -> str:
    """Count one more need this person writes (a counter-proposal is one too); past the limit,
    what to tell them."""
    if within_limit(f"agreements:needs:{request.user.pk}", NEED_LIMIT, LIMIT_WINDOW):
        return ""
    return _(
        "You have added %(limit)d needs in the last ten minutes. Please wait a few minutes "
        "before adding more."
    ) % {"limit": NEED_LIMIT}


def _suggested(request: AuthenticatedHttpRequest) -> dict[str, Any]:
    """The words of the library suggestion the link names (`?suggestion=`), to start from."""
    suggestion = BY_SLUG.get(request.GET.get("suggestion", ""))
    if suggestion is None:
        return {}
    return {
        "statement": suggestion.statement,
        "looks_like": suggestion.looks_like,
        "category": suggestion.category,
    }


@login_required
def need_new(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    participant = party_for(request, public_id)
    agreement = participant.agreement
    version = negotiation.current_version(agreement)
    others = _others(participant)
    form = NeedWithAddresseesForm(request.POST or None, initial=_suggested(request), others=others)
    if request.method == "POST" and form.is_valid():
        if limited := _too_many_needs(request):
            return too_many(request, limited)
        try:
            need = services.need_draft(
                version=version,
                author=request.user,
                statement=form.cleaned_data["statement"],
                looks_like=form.cleaned_data["looks_like"],
                category=form.cleaned_data["category"],
            )
        except NegotiationError as error:
            form.add_error(None, error.message)
        else:
            if "put_down" in request.POST:
                try:
                    services.need_put_down(
                        need=need, actor=request.user, addressee_ids=form.addressee_ids()
                    )
                except NegotiationError as error:
                    # The draft is kept; back on the page, so submitting again cannot copy it.
                    messages.error(request, error.message)
            return redirect(reverse("agreements:detail", args=[public_id]) + f"#need-{need.pk}")
    context = {
        "agreement": agreement,
        "version": version,
        "form": form,
        "others": others,
        "suggestions": suggestions_for(agreement.kind),
    }
    return render(request, "agreements/need_form.html", context)


@login_required
def need_card(request: AuthenticatedHttpRequest, public_id: str, pk: int) -> HttpResponse:
    """One need's card, fresh: what a page asks for when the live stream says it changed."""
    participant = participant_for(request, public_id)
    return _card(request, participant, need_for(participant, pk))


def _card(
    request: AuthenticatedHttpRequest, participant: Participant, need: Need, **extra: Any
) -> HttpResponse:
    view = negotiation.build(
        agreement=participant.agreement,
        version=need.version,
        viewer=request.user,
        participant=participant,
        only=need.pk,
    )
    item = view.item(need.pk)
    if item is None:  # need_for lets through only what the page shows: never, but never a leak
        raise Http404
    if extra:  # a message for this person, this once: not a card to keep
        response = render(request, "agreements/_need.html", {"view": view, "item": item, **extra})
        return news.tell(response, request, participant.agreement, request.user, focus=item.dom_id)
    kept.render_cards(request, view, [item], revisions.revision(participant.agreement).cards)
    return news.tell(HttpResponse(item.html), request, participant.agreement, request.user)


@login_required
@require_POST
def need_note(request: AuthenticatedHttpRequest, public_id: str, pk: int) -> HttpResponse:
    """Keep a private note on a need: only its author ever sees it, and nobody is told."""
    participant = party_for(request, public_id)
    need = need_for(participant, pk)
    form = PrivateNoteForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.private_note_save(
                need=need, author=request.user, body=form.cleaned_data["body"]
            )
        except NegotiationError as refusal:
            error = refusal.message
    else:
        error = " ".join(str(e) for e in form.errors.get("body", []))
    if request.htmx:
        return _card(request, participant, need, note_error=error, note_saved=not error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Your private note is saved. Only you can see it."))
    return redirect(reverse("agreements:detail", args=[public_id]) + f"#need-{need.pk}")


@login_required
def need_edit(request: AuthenticatedHttpRequest, public_id: str, pk: int) -> HttpResponse:
    participant = party_for(request, public_id)
    need = need_for(participant, pk)
    context: dict[str, Any] = {"agreement": participant.agreement, "need": need}
    if not rules.may_change(need, request.user.pk):
        # Nothing to offer: not even the words in a form they could not save.
        return render(request, "agreements/need_form.html", context)
    initial = {
        "statement": need.statement,
        "looks_like": need.looks_like,
        "category": need.category,
    }
    form = NeedForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.need_edit(need=need, actor=request.user, **form.cleaned_data)
        except NegotiationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Saved."))
            return redirect(reverse("agreements:detail", args=[public_id]) + f"#need-{need.pk}")
    return render(request, "agreements/need_form.html", {**context, "form": form})


@login_required
@require_POST
def need_put_down(request: AuthenticatedHttpRequest, public_id: str, pk: int) -> HttpResponse:
    participant = party_for(request, public_id)
    need = need_for(participant, pk)
    form = PutDownForm(request.POST, others=_others(participant))
    if not form.is_valid():
        refusal = (
            _("Check at least one person, or choose “Everyone else”.")
            if form.has_error("addressees", "none_checked")
            else _("Choose who to put it down for.")
        )
        return after_action(request, participant, need.version, error=refusal)
    return act_on(
        request,
        participant,
        need,
        lambda: services.need_put_down(
            need=need, actor=request.user, addressee_ids=form.addressee_ids()
        ),
    )


@login_required
@require_POST
def drafts_put_down(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    """Put down all of one's drafts at once, for everyone else; a second click finds none."""
    participant = party_for(request, public_id)
    version = negotiation.current_version(participant.agreement)
    try:
        count = services.needs_put_down_all(version=version, actor=request.user)
    except NegotiationError as error:
        return after_action(request, participant, version, error=error.message)
    if count and not request.htmx:
        messages.success(
            request,
            ngettext("Your draft is put down.", "Your %(count)s drafts are put down.", count)
            % {"count": count},
        )
    return after_action(request, participant, version)


NEED_ACTIONS: dict[str, Callable[..., object]] = {
    "withdraw": services.need_withdraw,
    "reopen": services.need_reopen,
    "drop": services.need_drop,
    "offer-again": services.need_offer_again,
}


@login_required
@require_POST
def need_action(
    request: AuthenticatedHttpRequest, public_id: str, pk: int, action: str
) -> HttpResponse:
    """Withdraw, reopen, drop or offer again: one click, no input."""
    participant = party_for(request, public_id)
    need = need_for(participant, pk)
    if action == "delete":
        try:
            services.need_delete_draft(need=need, actor=request.user)
        except NegotiationError as error:  # not a draft of yours: say so, not a 500
            return after_action(request, participant, need.version, error=error.message)
        return after_action(request, participant, need.version)
    rule = NEED_ACTIONS[action]
    return act_on(request, participant, need, lambda: rule(need=need, actor=request.user))


def _respond_in_turn(public_id: str, need: Need) -> str:
    """A need's answer page, come to from answering one at a time (and going back there)."""
    return reverse("agreements:need-respond", args=[public_id, need.pk]) + "?then=answer"


@login_required
def need_respond(request: AuthenticatedHttpRequest, public_id: str, pk: int) -> HttpResponse:
    participant = party_for(request, public_id)
    need = need_for(participant, pk)
    if request.method != "POST":
        view = negotiation.build(
            agreement=participant.agreement,
            version=need.version,
            viewer=request.user,
            participant=participant,
        )
        item = view.item(need.pk)
        if item is None or not item.can_answer:
            raise Http404
        context = {"view": view, "item": item, "in_turn": request.GET.get("then") == "answer"}
        return render(request, "agreements/respond.html", context)
    form = RespondForm(request.POST)
    if not form.is_valid():
        errors = " ".join(str(e) for field in form.errors.values() for e in field)
        if request.POST.get("then") == "answer" and not request.htmx:
            messages.error(request, errors)
            return redirect(_respond_in_turn(public_id, need))
        return after_action(request, participant, need.version, error=errors)
    data = form.cleaned_data
    if data["answer"] == Response.Answer.COUNTER and (limited := _too_many_needs(request)):
        if request.htmx:  # htmx shows no error response: the page says it where it was asked
            return after_action(request, participant, need.version, error=limited)
        return too_many(request, limited)

    def respond() -> None:
        services.need_respond(
            need=need,
            party=request.user,
            answer=data["answer"],
            reason=data["reason"],
            counter_statement=data["statement"],
            counter_looks_like=data["looks_like"],
        )
        if request.POST.get("then") == "answer":
            remember_answered(request, participant.agreement, need)

    if request.POST.get("then") == "answer" and not request.htmx:
        # Come from answering one at a time: back to the next need waiting.
        try:
            respond()
        except NegotiationError as error:
            messages.error(request, error.message)
            return redirect(_respond_in_turn(public_id, need))
        return redirect("agreements:answer", public_id)
    return act_on(request, participant, need, respond, answered=True)


@login_required
@require_POST
def need_comment(request: AuthenticatedHttpRequest, public_id: str, pk: int) -> HttpResponse:
    participant = participant_for(request, public_id)  # a facilitator may comment too
    need = need_for(participant, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        errors = " ".join(str(e) for e in form.errors.get("body", []))
        return after_action(request, participant, need.version, error=errors)
    if not within_limit(f"agreements:comments:{request.user.pk}", COMMENT_LIMIT, LIMIT_WINDOW):
        message = _(
            "You have written %(limit)d comments in the last ten minutes. Please wait a few "
            "minutes before writing more."
        ) % {"limit": COMMENT_LIMIT}
        if request.htmx:  # htmx shows no error response: the page says it where it was asked
            return after_action(request, participant, need.version, error=message)
        return too_many(request, message)
    return act_on(
        request,
        participant,
        need,
        lambda: services.need_comment(
            need=need, author=request.user, body=form.cleaned_data["body"]
        ),
    )
