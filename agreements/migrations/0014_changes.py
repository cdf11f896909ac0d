"""Kept pages are keyed by what changed (agreements/revisions.py): the `Change` table counts
every write, and the page stamp of migration 0007 goes (its reverse brings it back)."""

import importlib

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

from agreements.migrations._postgresql import on_postgresql

_STAMP = importlib.import_module("agreements.migrations.0007_page_stamp")


class Migration(migrations.Migration):
    dependencies = [("agreements", "0013_waits_and_hidden_answers")]

    operations = [
        migrations.CreateModel(
            name="Change",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("need_id", models.PositiveBigIntegerField(blank=True, null=True)),
                ("at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "agreement",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="changes",
                        to="agreements.agreement",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["agreement", "need_id", "at"], name="agreements__agreeme_4bed60_idx"
                    )
                ],
            },
        ),
        migrations.RunPython(on_postgresql(_STAMP.BACKWARD), on_postgresql(_STAMP.FORWARD)),
    ]
