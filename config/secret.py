"""The development secret key: one per checkout, made on first start and kept in a file."""

import contextlib
import os
import secrets
import tempfile
from pathlib import Path


def development_secret_key(path: Path) -> str:
    """The key stored at `path`, written there first if there is none.

    A key shared by every development install would let anyone sign links (unsubscribe) for
    any install they can reach; this one never leaves the machine. Only its owner may read the
    file, and two processes starting at once agree on one key: the file appears whole, under
    its name, or not at all.
    """
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, draft = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")  # mode 0600
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(50))
        # When another process wrote it first, theirs stands.
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
    finally:
        os.unlink(draft)
    return path.read_text().strip()
