import os
import sys

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Sync views run in threads that share the GIL. A request making many short database round
# trips (a live update's card) waits for the GIL after each one, up to the switch interval
# (5 ms by default), while another thread renders a whole page: about 60 ms lost per card
# under that load. A shorter interval lets it through at a negligible cost.
sys.setswitchinterval(0.001)

application = get_asgi_application()
