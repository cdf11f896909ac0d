from celery import shared_task

from checkins import services


@shared_task(name="checkins.open_due", ignore_result=True)
def open_due() -> int:
    """Run by beat: open the check-ins that have fallen due (their reminders follow)."""
    return services.check_ins_open_due()
