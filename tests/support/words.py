"""The words of the product that the browser tests press and read, in one place: when a button
or a line of the history is reworded, it is changed here."""

PICK_UP = "Pick it up"  # the button that picks a need up
COUNTER_PROPOSE = "Counter-propose"
PUT_DOWN = "Put it down"
COMMENT = "Comment"
SIGN = "Sign"
SHOW_CHANGES = "Show"
ANSWER_ONE_AT_A_TIME = "Answer one at a time"
SEE_THE_AGREEMENT = "See the whole agreement"
WHAT_YOU_PROPOSE = "What you propose instead"
BEFORE_YOU_SIGN = "Before you sign"
NOT_YET = "Not yet"
LOG_IN = "Log in"

# Lines of the history, as they are also read out when they happen.
PICKED_UP = "picked up a need"
ANSWERED = "answered a need"  # an answer still hidden
COMMENTED = "commented"

# States, as a card shows them.
STATE_PICKED_UP = "Picked up"


def new_changes(count: int) -> str:
    return f"{count} new change" if count == 1 else f"{count} new changes"
