from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from agreements.signals import settled
        from checkins.signals import changed
        from notifications import receivers

        settled.connect(receivers.agreement_settled, dispatch_uid="notifications.settled")
        changed.connect(receivers.check_ins_changed, dispatch_uid="notifications.check_ins")
