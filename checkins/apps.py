from django.apps import AppConfig


class CheckinsConfig(AppConfig):
    name = "checkins"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from agreements import revisions
        from agreements.signals import page_context
        from checkins import models, receivers

        page_context.connect(receivers.kept_share, dispatch_uid="checkins.kept_share")
        # What check-ins show on an agreement's pages counts as a change to it.
        revisions.watch(models.Schedule, models.CheckIn, models.Rating, models.TalkAbout)
        revisions.watch(models.Submission, where=receivers.agreement_of_submission)
