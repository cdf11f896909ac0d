from django.apps import AppConfig


class CheckinsConfig(AppConfig):
    name = "checkins"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from agreements.signals import page_context
        from checkins import receivers

        page_context.connect(receivers.kept_share, dispatch_uid="checkins.kept_share")
