"""Comments join the append-only record, on both databases: once written, never changed or
removed. (Deleting an account keeps them, shown as by "Former participant".)"""

from django.db import migrations

from agreements.migrations._postgresql import (
    COMMENT_TRIGGER,
    on_postgresql,
    on_sqlite,
    sqlite_drop,
    sqlite_refuse,
)

POSTGRESQL = """
CREATE TRIGGER accord_comments_append_only BEFORE UPDATE OR DELETE ON agreements_comment
    FOR EACH ROW EXECUTE FUNCTION accord_refuse_change();
"""
POSTGRESQL_BACKWARD = "DROP TRIGGER IF EXISTS accord_comments_append_only ON agreements_comment;"


class Migration(migrations.Migration):
    dependencies = [("agreements", "0011_append_only_on_sqlite")]

    operations = [
        migrations.RunPython(on_postgresql(POSTGRESQL), on_postgresql(POSTGRESQL_BACKWARD)),
        migrations.RunPython(
            on_sqlite(*sqlite_refuse(*COMMENT_TRIGGER)), on_sqlite(*sqlite_drop(COMMENT_TRIGGER[0]))
        ),
    ]
