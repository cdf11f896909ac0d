from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from agreements.signals import settled
        from notifications import receivers

        settled.connect(receivers.agreement_settled, dispatch_uid="notifications.settled")
