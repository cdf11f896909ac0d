"""A counter-proposal is now put down for the author of the need it answers and everyone else
that need was for (`rules.counter_addressees`), not for its author alone.

Nothing is changed in the database: counter-proposals already put down keep the addressees they
were put down for. Adding someone to a need already answered would make it wait on them, and
could change what was agreed or signed; the new rule applies to counter-proposals made from now
on.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("agreements", "0015_invitation_message")]

    operations: list[migrations.operations.base.Operation] = []
