"""Work out again, for every agreement, what the rules derive from its rows, and store it.

Every change made through Accord does this as it happens (`services.settle`): each need's state
and whether its answers are hidden, and who waits on whom (`models.Wait`). Run this after rows
were changed some other way, such as restoring a backup or correcting a row by hand, so that the
dashboard, the navigation count and the reminders read what the rows now say; the pending
reminders are planned again from it. Running it again changes nothing.

Public ids may begin with a dash; put ``--`` before the ids so that they are not read as options:
``manage.py settle_agreements -- -BuGHRW41T6b``.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from agreements import revisions, services
from agreements.models import Agreement


class Command(BaseCommand):
    help = (
        "Work out again what the rules derive for every agreement (or those named by public "
        "id): needs' states, hidden answers and who waits on whom."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "public_ids",
            nargs="*",
            metavar="public_id",
            help='Only these agreements (put "--" before them if one begins with "-").',
        )

    def handle(self, *args: Any, **options: Any) -> None:
        agreements = Agreement.objects.order_by("pk")
        wanted = set(options["public_ids"])
        if wanted:
            agreements = agreements.filter(public_id__in=wanted)
            unknown = wanted - set(agreements.values_list("public_id", flat=True))
            if len(unknown) == 1:
                raise CommandError(f"There is no agreement with the id {unknown.pop()}.")
            if unknown:
                ids = ", ".join(sorted(unknown))
                raise CommandError(f"There are no agreements with the ids {ids}.")
        settled = 0
        for agreement in agreements:
            with transaction.atomic():
                # The reminders follow what now waits on whom, as after any change; and
                # pages kept before rows were changed by hand (or restored) are made anew.
                services.settle(agreement, now=timezone.now())
                revisions.changed(agreement.pk)
            settled += 1
        noun = "agreement" if settled == 1 else "agreements"
        self.stdout.write(f"Settled {settled} {noun}.")
