import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.text import comparable, looks_like, validate_one_line

# The name a deleted account is shown by. Stored, not translated: everyone reads the same name in
# the record, whatever their language; so nobody may take it as their own.
FORMER_PARTICIPANT = "Former participant"


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Choose a time zone from the list."))


def validate_language(value: str) -> None:
    if value not in dict(settings.LANGUAGES):
        raise ValidationError(_("Choose a language from the list."))


def validate_not_former_participant(value: str) -> None:
    """Nobody takes the name deleted accounts are shown by, in any case or spacing."""
    if comparable(value) == comparable(FORMER_PARTICIPANT):
        raise ValidationError(
            _(
                "“Former participant” is how Accord shows an account that was deleted. "
                "Please choose another name."
            ),
            code="former_participant",
        )


DISPLAY_NAME_VALIDATORS = [validate_one_line, validate_not_former_participant]


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> "User":
        if not email:
            raise ValueError("Users must have an email address.")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person using Accord; they log in with their email address."""

    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(
        _("display name"),
        max_length=80,
        blank=True,
        help_text=_("How the other people in your agreements see you."),
        validators=DISPLAY_NAME_VALIDATORS,
    )
    # Choices live in the form, so a tzdata update or a new language needs no migration.
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    language = models.CharField(
        _("language"), max_length=10, default="en", validators=[validate_language]
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    # Set by tell_apart while a page shows people who share a name.
    shown_as = ""

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name

    @property
    def own_name(self) -> str:
        """The display name, or the part of the email before the @."""
        return self.display_name or self.email.split("@", 1)[0]

    @property
    def name(self) -> str:
        """The name other people see: their own, marked when someone beside them shares it."""
        return self.shown_as or self.own_name

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name


def shown_names(people: Iterable[User]) -> dict[int, str]:
    """The name shown for each of `people` (the current participants of one agreement, in the
    order they joined), by id: their own, and where two or more look the same, that name with
    their place among them, "Sam (1)" and "Sam (2)", so nobody is mistaken for someone else."""
    alike: dict[str, list[User]] = defaultdict(list)
    for person in people:
        alike[looks_like(person.own_name)].append(person)
    shown = {}
    for group in alike.values():
        for number, person in enumerate(group, start=1):
            shown[person.pk] = (
                _("%(name)s (%(number)s)") % {"name": person.own_name, "number": number}
                if len(group) > 1
                else person.own_name
            )
    return shown


def tell_apart(participants: Iterable[User], shown: Iterable[User]) -> None:
    """Give each of `shown` (the people a page or an email names) the name `shown_names`
    gives them among `participants`."""
    names = shown_names(participants)
    for person in shown:
        person.shown_as = names.get(person.pk, "")
