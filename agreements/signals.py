"""What the core tells the apps above it. `agreements` knows nothing of reminders, check-ins or
live pages: they connect receivers to these signals (in their AppConfig.ready), and the core
sends them inside the transaction of the change, so that a change never commits without what
follows from it (a receiver that fails rolls the change back).

- `recorded`: a change to an agreement was recorded (`event`, `agreement`).
- `settled`: what the rules derive for an agreement was worked out again and stored
  (`agreement`, `now`, and `loaded`, the agreement as the rules read it).
- `waiting`: `settle` is working out who waits on whom (`agreement`, `now`, `loaded`); each
  receiver returns the unsaved `Wait` rows its app adds, under reasons of its own (check-ins:
  an open check-in, a proposed rhythm). They are stored with the core's own, in the same
  transaction, so the dashboard, the navigation count and the reminders read them alike.
- `page_context`: an agreement's page is being rendered (`agreement`, `now`); each receiver
  returns a dict of what its app adds to the page (check-ins: how much of what was agreed is
  kept). Sent outside any change.
"""

from django.dispatch import Signal

recorded = Signal()
settled = Signal()
waiting = Signal()
page_context = Signal()
