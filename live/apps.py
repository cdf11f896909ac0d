from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "live"

    def ready(self) -> None:
        from agreements.signals import recorded
        from live import receivers

        recorded.connect(receivers.announce, dispatch_uid="live.announce")
