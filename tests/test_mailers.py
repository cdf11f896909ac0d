import pytest
from django.core.exceptions import ImproperlyConfigured

from config.mailers import mailer_from_url


def test_smtp_with_starttls() -> None:
    mailer = mailer_from_url("smtp://me%40x.org:p%2Fss@mail.x.org:587/?tls=True")
    assert mailer["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert mailer["OPTIONS"] | {} == {
        "host": "mail.x.org",
        "port": 587,
        "username": "me@x.org",
        "password": "p/ss",
        "use_tls": True,
        "use_ssl": False,
        "timeout": 10,
    }


def test_smtps_uses_implicit_tls_on_465() -> None:
    options = mailer_from_url("smtps://mail.x.org")["OPTIONS"]
    assert (options["port"], options["use_ssl"], options["use_tls"]) == (465, True, False)


def test_console_and_file() -> None:
    assert mailer_from_url("consolemail://")["BACKEND"].endswith("console.EmailBackend")
    assert mailer_from_url("filemail:///tmp/mail")["OPTIONS"] == {"file_path": "/tmp/mail"}


def test_an_unknown_scheme_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="unknown scheme"):
        mailer_from_url("carrierpigeon://coop")
