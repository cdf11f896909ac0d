"""Check-in ratings join the append-only record, on both databases: what someone said of a
commitment is never changed or removed afterwards. (Deleting an account keeps them.)"""

from django.db import migrations

from agreements.migrations._postgresql import (
    RATING_TRIGGER,
    on_postgresql,
    on_sqlite,
    sqlite_drop,
    sqlite_refuse,
)

POSTGRESQL = """
CREATE TRIGGER accord_ratings_append_only BEFORE UPDATE OR DELETE ON checkins_rating
    FOR EACH ROW EXECUTE FUNCTION accord_refuse_change();
"""
POSTGRESQL_BACKWARD = "DROP TRIGGER IF EXISTS accord_ratings_append_only ON checkins_rating;"


class Migration(migrations.Migration):
    dependencies = [
        ("checkins", "0001_initial"),
        # accord_refuse_change() and the helpers for SQLite's triggers.
        ("agreements", "0012_comments_append_only"),
    ]

    operations = [
        migrations.RunPython(on_postgresql(POSTGRESQL), on_postgresql(POSTGRESQL_BACKWARD)),
        migrations.RunPython(
            on_sqlite(*sqlite_refuse(*RATING_TRIGGER)), on_sqlite(*sqlite_drop(RATING_TRIGGER[0]))
        ),
    ]
