"""Looking at processes the tests started."""

from pathlib import Path


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid` (a Celery worker's pool), read from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found
