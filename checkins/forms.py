from django import forms
from django.utils.translation import gettext_lazy as _


class TalkForm(forms.Form):
    """The "let's talk about this" button: it says what it wants, so a repeat changes nothing."""

    want = forms.ChoiceField(
        choices=[("mark", _("Mark it")), ("unmark", _("Remove my mark"))],
        error_messages={
            "required": _("Choose whether to mark it or to remove your mark."),
            "invalid_choice": _("Choose whether to mark it or to remove your mark."),
        },
    )

    @property
    def marked(self) -> bool:
        return bool(self.cleaned_data["want"] == "mark")
