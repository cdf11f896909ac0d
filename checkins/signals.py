"""What check-ins tell the apps above them, inside the transaction of the change (see
`agreements.signals`).

- `changed`: what an agreement's check-ins ask of its parties changed (one opened, someone
  checked in, the rhythm was stopped) (`agreement`, `now`).
"""

from django.dispatch import Signal

changed = Signal()
