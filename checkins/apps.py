from django.apps import AppConfig


class CheckinsConfig(AppConfig):
    name = "checkins"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from agreements import revisions
        from agreements.signals import page_context, recorded, waiting
        from checkins import models, receivers

        page_context.connect(receivers.kept_share, dispatch_uid="checkins.kept_share")
        waiting.connect(receivers.waits, dispatch_uid="checkins.waits")
        recorded.connect(receivers.someone_left, dispatch_uid="checkins.someone_left")
        # What check-ins show on an agreement's pages counts as a change to it.
        revisions.watch(
            models.Schedule, models.CheckIn, models.Rating, models.TalkAbout, models.RhythmProposal
        )
        revisions.watch(models.Submission, where=receivers.agreement_of_submission)
        revisions.watch(models.RhythmAgreement, where=receivers.agreement_of_rhythm_agreement)
