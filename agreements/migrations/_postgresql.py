"""For migrations that only mean something on one database (triggers, functions): SQL run there,
skipped on the other. (Django's migration loader skips modules whose names start with _.)

The record's integrity triggers exist on both databases: PostgreSQL's written in PL/pgSQL in
their migrations, SQLite's here, one trigger per table and per kind of change (SQLite cannot say
"UPDATE OR DELETE"). SQLite rebuilds a table for most schema changes: the old copy's triggers go
with it, and a trigger naming a table being rebuilt stops the rebuild. So a later migration that
alters one of the record's tables wraps its operations in `keep_sqlite_record(...)`; the tests
in tests/agreements/test_append_only.py check every trigger is there after the last migration.
"""

from collections.abc import Callable

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import StateApps

type Step = Callable[[StateApps, BaseDatabaseSchemaEditor], None]


def on_vendor(vendor: str, *statements: str) -> Step:
    def run(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor == vendor:
            for statement in statements:
                schema_editor.execute(statement, params=None)

    return run


def on_postgresql(sql: str) -> Step:
    return on_vendor("postgresql", sql)


def on_sqlite(*statements: str) -> Step:
    """SQLite runs one statement at a time: each is passed on its own."""
    return on_vendor("sqlite", *statements)


def sqlite_refuse(trigger: str, table: str, when: str = "", *, updated: str = "") -> list[str]:
    """Two SQLite triggers refusing every UPDATE and DELETE on `table` (if `when` holds), but
    for the updates `updated` allows (it may name NEW, which a DELETE does not have)."""
    conditions = {
        "UPDATE": " AND ".join(filter(None, [when, updated and f"NOT ({updated})"])),
        "DELETE": when,
    }
    return [
        f"CREATE TRIGGER {trigger}_{operation.lower()} BEFORE {operation} ON {table}"
        f"{f' WHEN {condition}' if condition else ''}"
        f" BEGIN SELECT RAISE(ABORT, 'accord: {operation} on {table} is not allowed:"
        " the history is append-only'); END"
        for operation, condition in conditions.items()
    ]


def sqlite_drop(*triggers: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {trigger}_{operation}"
        for trigger in triggers
        for operation in ("update", "delete")
    ]


# Every column of a version but its state: none of them may change once it is closed.
VERSION_COLUMNS = (
    "id",
    "agreement_id",
    "number",
    "reason",
    "opened_by_id",
    "opened_at",
    "sealed_at",
    "respond_by",
)
_SUPERSEDED_AS_IT_WAS = " AND ".join(
    ["OLD.state = 'sealed'", "NEW.state = 'superseded'"]
    + [f"NEW.{column} IS OLD.{column}" for column in VERSION_COLUMNS]
)
_OF_A_CLOSED_VERSION = (
    "EXISTS (SELECT 1 FROM agreements_version v"
    " WHERE v.id = OLD.version_id AND v.state <> 'negotiating')"
)


def sqlite_history() -> list[str]:
    """Migration 0005's triggers for SQLite: answers and events, and a closed version's rows."""
    return [
        *sqlite_refuse("accord_responses_append_only", "agreements_response"),
        *sqlite_refuse("accord_events_append_only", "agreements_event"),
        # The one change a closed version allows: sealed becomes superseded by the next version.
        *sqlite_refuse(
            "accord_closed_versions_stay",
            "agreements_version",
            "OLD.state <> 'negotiating'",
            updated=_SUPERSEDED_AS_IT_WAS,
        ),
        # Drafts are private notes, not part of the record: they move on to the next version.
        *sqlite_refuse(
            "accord_closed_needs_stay",
            "agreements_need",
            f"OLD.status <> 'draft' AND {_OF_A_CLOSED_VERSION}",
        ),
        *sqlite_refuse(
            "accord_closed_signatures_stay", "agreements_signature", _OF_A_CLOSED_VERSION
        ),
    ]


HISTORY_TRIGGERS = (
    "accord_responses_append_only",
    "accord_events_append_only",
    "accord_closed_versions_stay",
    "accord_closed_needs_stay",
    "accord_closed_signatures_stay",
)
COMMENT_TRIGGER = ("accord_comments_append_only", "agreements_comment")
RATING_TRIGGER = ("accord_ratings_append_only", "checkins_rating")
RECORD_TRIGGERS = (*HISTORY_TRIGGERS, COMMENT_TRIGGER[0], RATING_TRIGGER[0])


def sqlite_record() -> list[str]:
    """Every SQLite trigger of the record, as the latest migration leaves them."""
    return [*sqlite_history(), *sqlite_refuse(*COMMENT_TRIGGER), *sqlite_refuse(*RATING_TRIGGER)]


def keep_sqlite_record(*operations: Operation) -> list[Operation]:
    """Operations that alter the record's tables, with SQLite's triggers off while they run."""
    drop = on_sqlite(*sqlite_drop(*RECORD_TRIGGERS))
    create = on_sqlite(*sqlite_record())
    return [
        migrations.RunPython(drop, create),
        *operations,
        migrations.RunPython(create, drop),
    ]
