"""The history is append-only on SQLite too (the embedded default), as migration 0005 made it
on PostgreSQL: answers and events can be added, never changed or removed, and a closed version,
its needs and its signatures never change (a sealed version may only be superseded)."""

from django.db import migrations

from agreements.migrations._postgresql import (
    HISTORY_TRIGGERS,
    on_sqlite,
    sqlite_drop,
    sqlite_history,
)


class Migration(migrations.Migration):
    dependencies = [("agreements", "0010_facilitator_paused")]

    operations = [
        migrations.RunPython(
            on_sqlite(*sqlite_history()), on_sqlite(*sqlite_drop(*HISTORY_TRIGGERS))
        )
    ]
