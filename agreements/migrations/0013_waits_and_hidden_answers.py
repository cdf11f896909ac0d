"""One home for every rule: what the rules derive is stored after every change.

Each need stores whether its answers are hidden (`rules.answers_hidden`), beside its state; who
waits on whom is stored in `Wait` (`rules.waits`). Both are filled here for what exists. The
database functions that repeated those rules in PL/pgSQL (migration 0008) go: the navigation
count is a plain query on `Wait` now.

Needs of closed versions never change (migration 0005's trigger), but one withdrawn or dropped
while its answers were hidden keeps them hidden for good, so the trigger is off while they are
filled. Waits are filled by `services.settle`, as every change fills them, for agreements that
exist when this runs (none on a new database).
"""

import importlib
from collections import defaultdict

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from agreements.migrations._postgresql import keep_sqlite_record, on_postgresql

RULE_FUNCTIONS = """
DROP FUNCTION IF EXISTS accord_waiting_count(bigint, text, timestamptz);
DROP FUNCTION IF EXISTS accord_answers_hidden(bigint);
"""


def _earlier_functions() -> str:
    """Going back: migration 0008's functions, as it wrote them."""
    return importlib.import_module("agreements.migrations.0008_waiting_count").FORWARD


def fill(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from agreements import rules

    Need = apps.get_model("agreements", "Need")
    Response = apps.get_model("agreements", "Response")
    Agreement = apps.get_model("agreements", "Agreement")
    needs = Need.objects.filter(
        version__agreement__answer_independently=True, status__in=["put_down", "withdrawn", "dropped"]
    )
    addressees = defaultdict(set)
    for need_id, user_id in Need.addressees.through.objects.filter(
        need__in=needs
    ).values_list("need_id", "user_id"):
        addressees[need_id].add(user_id)
    answered = defaultdict(set)
    rows = Response.objects.filter(need__in=needs).values_list("need_id", "party_id", "revision")
    for need_id, party_id, revision in rows:
        answered[(need_id, revision)].add(party_id)
    hidden = [
        need.pk
        for need in needs.only("pk", "status", "revision")
        if rules.answers_hidden(
            independently=True,
            status=need.status,
            addressees=addressees[need.pk],
            answered=answered[(need.pk, need.revision)],
        )
    ]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE agreements_need DISABLE TRIGGER accord_closed_needs_stay")
    Need.objects.filter(pk__in=hidden).update(answers_hidden=True)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE agreements_need ENABLE TRIGGER accord_closed_needs_stay")
    if Agreement.objects.exists():
        settle_all()


def settle_all() -> None:
    """Settle every agreement with the code and models of the release installed. Upgrading
    past a later migration that changed those models, they no longer match this point of the
    schema: then this step says so and leaves the waits to `manage.py settle_agreements`, run
    once the migrations are done."""
    from django.db import DatabaseError, transaction
    from django.utils import timezone

    from agreements.models import Agreement
    from agreements.services import settle

    now = timezone.now()
    try:
        with transaction.atomic():
            for agreement in Agreement.objects.order_by("pk"):
                settle(agreement, now=now, announce=False)
    except DatabaseError:
        print(
            "\n  Who waits on whom is not filled in yet: run `python manage.py settle_agreements`"
            " once the migrations are done."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0012_comments_append_only"),
        # keep_sqlite_record puts back every trigger of the record, the ratings' among them.
        ("checkins", "0002_ratings_append_only"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Wait',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('email', models.CharField(blank=True, max_length=254)),
                ('reason', models.CharField(choices=[('answer', 'a need to answer'), ('signature', 'a version to sign'), ('invitation', 'an invitation to answer')], max_length=16)),
                ('subject', models.PositiveBigIntegerField()),
                ('since', models.DateTimeField()),
                ('until', models.DateTimeField(blank=True, null=True)),
                ('agreement', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='waits', to='agreements.agreement')),
                ('user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='waits', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'indexes': [models.Index(fields=['user', 'reason'], name='agreements__user_id_12b927_idx'), models.Index(fields=['email', 'reason'], name='agreements__email_f0984b_idx')],
                'constraints': [
                    models.UniqueConstraint(condition=models.Q(('user__isnull', False)), fields=('agreement', 'reason', 'subject', 'user'), name='one_wait_per_person'),
                    models.UniqueConstraint(condition=models.Q(('user__isnull', True)), fields=('agreement', 'reason', 'subject', 'email'), name='one_wait_per_address'),
                ],
            },
        ),
        *keep_sqlite_record(
            migrations.AddField(
                model_name='need',
                name='answers_hidden',
                field=models.BooleanField(default=False),
            ),
            migrations.RunPython(fill, migrations.RunPython.noop),
        ),
        migrations.RunPython(on_postgresql(RULE_FUNCTIONS), on_postgresql(_earlier_functions())),
    ]
