"""What this deployment renders pages with, in one short string.

Rendered HTML kept in the cache (need cards, whole agreement pages) is stored under keys that
include this digest, so a deploy that changes a template, the code that fills it, a translation
or a static file's hashed name never serves what the previous release rendered. The cache itself
(Redis) outlives deploys; nothing has to be flushed by hand.
"""

import functools
import hashlib
from pathlib import Path

from django.conf import settings

# Our own code, templates and translations: everything a page is rendered from but its data.
PARTS = ("accounts", "agreements", "checkins", "config", "notifications", "records", "templates",
         "locale")  # fmt: skip
SUFFIXES = frozenset({".py", ".html", ".txt", ".mo"})


@functools.cache
def _files() -> tuple[Path, ...]:
    """Listed once per process: a new file matters only once a changed one uses it."""
    base = Path(settings.BASE_DIR)
    found = [
        path
        for part in PARTS
        for path in (base / part).rglob("*")
        if path.suffix in SUFFIXES and path.is_file()
    ]
    if settings.STATIC_ROOT:  # the hashed names of the static files pages link to
        manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
        if manifest.is_file():
            found.append(manifest)
    return tuple(sorted(found))


@functools.cache
def _deployed() -> str:
    """By content, once per process: in production nothing changes under a running process."""
    digest = hashlib.blake2b(digest_size=16)
    for path in _files():
        digest.update(str(path).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _developing() -> str:
    """By modification time, at each call: in development templates change under the server."""
    digest = hashlib.blake2b(digest_size=16)
    for path in _files():
        stat = path.stat()
        digest.update(f"{path}:{stat.st_mtime_ns}:{stat.st_size}".encode())
    return digest.hexdigest()


def digest() -> str:
    return _developing() if settings.DEBUG else _deployed()
