"""Turn EMAIL_URL into a Django MAILERS entry."""

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}


def mailer_from_url(url: str) -> dict[str, Any]:
    """smtp://user:pass@host:587/?tls=True, smtps://… (implicit TLS), consolemail://,
    filemail:///path/to/folder, memorymail:// (tests) or dummymail:// (drop everything)."""
    parts = urlsplit(url)
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    scheme = parts.scheme
    if scheme in {"smtp", "smtps", "smtp+tls", "smtp+ssl"}:
        options: dict[str, Any] = {
            "host": parts.hostname or "localhost",
            "port": parts.port or (465 if scheme in {"smtps", "smtp+ssl"} else 25),
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "use_tls": scheme == "smtp+tls" or query.get("tls", "").lower() in TRUE,
            "use_ssl": scheme in {"smtps", "smtp+ssl"} or query.get("ssl", "").lower() in TRUE,
            "timeout": int(query.get("timeout", "10")),
        }
        return {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": options}
    if scheme == "consolemail":
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "filemail":
        return {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": unquote(parts.path) or "var/mail"},
        }
    if scheme == "memorymail":
        return {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if scheme == "dummymail":
        return {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}
    raise ImproperlyConfigured(f"EMAIL_URL: unknown scheme {scheme!r}")
