import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.text import clean_long_text, validate_one_line
from agreements.models import (
    COMMENT_MAX,
    INVITATION_MESSAGE_MAX,
    LOOKS_LIKE_MAX,
    PRIVATE_NOTE_MAX,
    REASON_MAX,
    STATEMENT_MAX,
    TITLE_MAX,
    Category,
    Kind,
    Participant,
    Response,
    ReviewCadence,
)


class LongTextField(forms.CharField):
    """A longer text: its line breaks and tabs stay, other control characters quietly go."""

    def to_python(self, value: Any) -> str:
        return clean_long_text(str(super().to_python(value)))


class AgreementForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX,
        validators=[validate_one_line],
        help_text=_("For example “Us, this year” or “House rules”. Up to 120 characters."),
    )
    kind = forms.ChoiceField(label=_("Between"), choices=Kind.choices, initial=Kind.PARTNERS)
    review_cadence = forms.ChoiceField(
        label=_("Review it"), choices=ReviewCadence.choices, initial=ReviewCadence.NONE
    )
    answer_independently = forms.BooleanField(
        label=_("Answer independently"),
        required=False,
        help_text=_(
            "Each answer stays hidden from the others until everyone a need is addressed to "
            "has answered, so nobody is swayed by another's answer."
        ),
    )


class NeedForm(forms.Form):
    statement = forms.CharField(
        label=_("What you need"),
        max_length=STATEMENT_MAX,
        validators=[validate_one_line],
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One sentence, in your own words. Up to 500 characters."),
    )
    looks_like = LongTextField(
        label=_("What it looks like"),
        max_length=LOOKS_LIKE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Optional: what someone could see you do when this need is met. Up to 1,000 characters."
        ),
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("None"))] + list(Category.choices),
    )


class PutDownForm(forms.Form):
    """Who a need is put down for: everyone else (the default), or only the people checked.
    The checkboxes count only when "Only some of them" is chosen; the stylesheet hides them
    until it is."""

    EVERYONE, SOME = "everyone", "some"

    for_whom = forms.ChoiceField(
        label=_("Put it down for"),
        widget=forms.RadioSelect,
        required=False,
        choices=[(EVERYONE, _("Everyone else")), (SOME, _("Only some of them"))],
        initial=EVERYONE,
    )
    addressees = forms.MultipleChoiceField(
        label=_("Only for"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Check each person it is for."),
    )

    def __init__(self, *args: Any, others: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["addressees"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(str(u.pk), u.name) for u in others]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = data.get("addressees") or []
        # Without the choice (an older page), checked people mean "only some of them".
        some = data.get("for_whom") == self.SOME or (not data.get("for_whom") and chosen)
        data["for_whom"] = self.SOME if some else self.EVERYONE
        if some and not chosen and "addressees" not in self.errors:
            message = _("Check at least one person, or choose “Everyone else”.")
            self.add_error("addressees", forms.ValidationError(message, code="none_checked"))
        return data

    def addressee_ids(self) -> list[int] | None:
        """The people checked, or None for everyone else."""
        if self.cleaned_data.get("for_whom") != self.SOME:
            return None
        return [int(pk) for pk in self.cleaned_data.get("addressees") or []]


class NeedWithAddresseesForm(NeedForm, PutDownForm):
    """Write a need and, in the same step, choose who it is for."""

    field_order = ("statement", "looks_like", "category", "for_whom", "addressees")


class RespondForm(forms.Form):
    answer = forms.ChoiceField(choices=Response.Answer.choices)
    reason = LongTextField(
        label=_("Why (optional)"),
        max_length=REASON_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    statement = forms.CharField(
        label=_("What you propose instead"),
        max_length=STATEMENT_MAX,
        validators=[validate_one_line],
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    looks_like = LongTextField(
        label=_("What it looks like"),
        max_length=LOOKS_LIKE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("answer") == Response.Answer.COUNTER and not data.get("statement", "").strip():
            self.add_error("statement", _("Say what you propose instead."))
        return data


class CommentForm(forms.Form):
    body = LongTextField(
        label=_("Comment"),
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Up to 2,000 characters."),
    )


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("Their email address"), help_text=_("They get a link that works once, for 14 days.")
    )
    role = forms.ChoiceField(
        label=_("Invite them as"),
        widget=forms.RadioSelect,
        required=False,
        initial=Participant.Role.PARTY,
        choices=[
            (Participant.Role.PARTY, _("a party, who negotiates with you")),
            (
                Participant.Role.FACILITATOR,
                _("a facilitator: a counsellor you see together"),
            ),
        ],
        help_text=_(
            "A facilitator reads the versions, the history and the check-ins shown to everyone, "
            "and may comment; never drafts, hidden answers or private notes. They see nothing "
            "until every party has agreed, and any party can end their access."
        ),
    )

    message = LongTextField(
        label=_("A personal message (optional)"),
        required=False,
        max_length=INVITATION_MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown on the invitation and in its email. Up to 500 characters."),
    )
    put_down_on_join = forms.BooleanField(
        label=_("Put my drafts down as soon as they join"),
        required=False,
        help_text=_(
            "When you invite several people this way, once the last of them joins. Otherwise "
            "your drafts stay drafts until you put them down."
        ),
    )

    def clean_role(self) -> str:
        return str(self.cleaned_data.get("role") or Participant.Role.PARTY)


class PrivateNoteForm(forms.Form):
    body = LongTextField(
        label=_("My private note"),
        max_length=PRIVATE_NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only you ever see this. Empty it to remove the note."),
    )


class RenegotiateForm(forms.Form):
    reason = LongTextField(
        label=_("Why renegotiate?"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Everyone sees this with the new version. Up to 500 characters."),
    )


class CompareForm(forms.Form):
    base = forms.IntegerField(label=_("From version"), min_value=1)
    other = forms.IntegerField(label=_("To version"), min_value=1)


class RespondByForm(forms.Form):
    """Ask the others to answer by a date, or stop asking (the "clear" button)."""

    respond_by = forms.DateField(
        label=_("Ask for answers by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("By the end of that day. Nothing happens by itself when it passes."),
    )
    clear = forms.BooleanField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()  # the person's own day: their time zone is active
        self.fields["respond_by"].widget.attrs.update(
            min=today.isoformat(), max=(today + datetime.timedelta(days=365)).isoformat()
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("clear") and not data.get("respond_by") and "respond_by" not in self.errors:
            self.add_error("respond_by", _("Choose a date."))
        return data

    def respond_by_moment(self) -> datetime.datetime | None:
        """The end of the chosen day in the person's own time zone; None to stop asking."""
        if self.cleaned_data["clear"]:
            return None
        day: datetime.date = self.cleaned_data["respond_by"]
        end = datetime.time(23, 59, 59)
        return datetime.datetime.combine(day, end, tzinfo=timezone.get_current_timezone())
