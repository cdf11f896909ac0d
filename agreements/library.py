"""Suggested needs to start from, by relationship kind. People reword them freely."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from agreements.models import Category, Kind


@dataclass(frozen=True)
class Suggestion:
    slug: str
    category: Category
    statement: Promise
    looks_like: Promise
    kinds: frozenset[str]


ALL = frozenset(Kind.values)
CLOSE = frozenset({Kind.PARTNERS, Kind.FAMILY, Kind.FRIENDS})
PARTNERS = frozenset({Kind.PARTNERS})
FAMILY = frozenset({Kind.FAMILY})
WORK = frozenset({Kind.WORK})

SUGGESTIONS: tuple[Suggestion, ...] = (
    # Honesty
    Suggestion(
        "tell-me-the-truth",
        Category.HONESTY,
        _("Tell me the truth, even when it is hard to hear."),
        _("When I ask how you feel about something, you answer honestly, kindly."),
        ALL,
    ),
    Suggestion(
        "say-whats-on-your-mind",
        Category.HONESTY,
        _("Tell me what is on your mind."),
        _("When something bothers you, you bring it up within a day or two."),
        CLOSE,
    ),
    Suggestion(
        "own-mistakes",
        Category.HONESTY,
        _("Own it when you get something wrong."),
        _("You say “I got that wrong” without explaining it away first."),
        ALL,
    ),
    # Transparency
    Suggestion(
        "share-plans",
        Category.TRANSPARENCY,
        _("Let me know your plans when they affect me."),
        _("You tell me about evenings out, trips and visitors at least a day ahead."),
        CLOSE,
    ),
    Suggestion(
        "money-in-the-open",
        Category.TRANSPARENCY,
        _("Be open about money we share."),
        _("Purchases over an amount we agree are talked about first."),
        frozenset({Kind.PARTNERS, Kind.FAMILY}),
    ),
    Suggestion(
        "no-secrets-about-us",
        Category.TRANSPARENCY,
        _("No secrets about things that concern us both."),
        _("If someone asks you about our relationship, I hear about it from you."),
        PARTNERS,
    ),
    Suggestion(
        "status-visible",
        Category.TRANSPARENCY,
        _("Keep the status of shared work visible."),
        _("The shared list is updated the same day something changes."),
        WORK,
    ),
    # Reliability
    Suggestion(
        "show-up",
        Category.RELIABILITY,
        _("Show up when you say you will."),
        _("If you will be more than ten minutes late, you message me before the time."),
        ALL,
    ),
    Suggestion(
        "answer-messages",
        Category.RELIABILITY,
        _("Answer my messages."),
        _("You reply within a day, even if only to say you will answer later."),
        ALL,
    ),
    Suggestion(
        "do-your-share",
        Category.RELIABILITY,
        _("Do your share of the chores we agreed on."),
        _("Your chores on the list are done by the end of the week."),
        frozenset({Kind.PARTNERS, Kind.FAMILY}),
    ),
    # Honouring commitments
    Suggestion(
        "keep-promises",
        Category.COMMITMENTS,
        _("Keep the promises you make to me."),
        _("If you cannot keep one, you tell me before, not after."),
        ALL,
    ),
    Suggestion(
        "follow-through",
        Category.COMMITMENTS,
        _("Follow through on what we decide together."),
        _("What we agreed at a family meeting is done by the date we set."),
        ALL,
    ),
    Suggestion(
        "renegotiate-not-drop",
        Category.COMMITMENTS,
        _("Ask to change an agreement instead of quietly dropping it."),
        _("You say “this is not working for me” and we renegotiate."),
        ALL,
    ),
    # Time together
    Suggestion(
        "weekly-time",
        Category.TIME_TOGETHER,
        _("Spend an evening a week with me, just us."),
        _("One evening a week, phones away, planned ahead."),
        PARTNERS,
    ),
    Suggestion(
        "family-dinner",
        Category.TIME_TOGETHER,
        _("Be at family dinner."),
        _("At least four dinners a week together, or a message if you cannot come."),
        FAMILY,
    ),
    Suggestion(
        "keep-in-touch",
        Category.TIME_TOGETHER,
        _("Keep in touch."),
        _("We see each other or call at least once a month."),
        frozenset({Kind.FRIENDS, Kind.FAMILY}),
    ),
    # Personal space
    Suggestion(
        "time-alone",
        Category.PERSONAL_SPACE,
        _("Give me time to myself."),
        _("When I say I need an hour alone, you let me have it without taking it personally."),
        CLOSE,
    ),
    Suggestion(
        "knock-first",
        Category.PERSONAL_SPACE,
        _("Knock before coming into my room."),
        _("The door is knocked on and you wait for an answer."),
        FAMILY,
    ),
    Suggestion(
        "my-own-friends",
        Category.PERSONAL_SPACE,
        _("Let me keep my own friendships."),
        _("I can see my friends without you, and you do not ask me to justify it."),
        PARTNERS,
    ),
    Suggestion(
        "off-hours",
        Category.PERSONAL_SPACE,
        _("Respect my time off."),
        _("No work messages after 19:00 or at weekends unless something is on fire."),
        WORK,
    ),
    # Exclusivity
    Suggestion(
        "exclusive",
        Category.EXCLUSIVITY,
        _("Be exclusive with me."),
        _("Neither of us dates or is intimate with anyone else."),
        PARTNERS,
    ),
    Suggestion(
        "talk-before-changing",
        Category.EXCLUSIVITY,
        _("Talk to me before our boundaries change."),
        _("Any change to what we agreed about other people is discussed first, never after."),
        PARTNERS,
    ),
    # Respect
    Suggestion(
        "no-shouting",
        Category.RESPECT,
        _("Do not raise your voice at me."),
        _("When an argument gets heated, either of us can ask for a break and we return later."),
        ALL,
    ),
    Suggestion(
        "kind-words",
        Category.RESPECT,
        _("Speak kindly of me in front of others."),
        _("Criticism happens in private, never in front of friends, family or colleagues."),
        ALL,
    ),
    Suggestion(
        "listen",
        Category.RESPECT,
        _("Listen to me until I have finished."),
        _("You let me finish before answering, and say back what you heard."),
        ALL,
    ),
    Suggestion(
        "credit",
        Category.RESPECT,
        _("Give credit where it is due."),
        _("You name who did the work when you present it."),
        WORK,
    ),
    # Family roles
    Suggestion(
        "who-does-what",
        Category.FAMILY_ROLES,
        _("Agree who does what at home."),
        _("A written list of tasks with a name next to each, reviewed every month."),
        FAMILY,
    ),
    Suggestion(
        "parents-united",
        Category.FAMILY_ROLES,
        _("Back each other up in front of the children."),
        _("We disagree about the children's rules in private and present one answer."),
        FAMILY,
    ),
    Suggestion(
        "grandparents",
        Category.FAMILY_ROLES,
        _("Ask before changing the children's routine."),
        _("Bedtimes, screens and sweets follow the parents' rules during visits."),
        FAMILY,
    ),
    Suggestion(
        "care-for-parents",
        Category.FAMILY_ROLES,
        _("Share the care of our parents fairly."),
        _("Visits and appointments are split on a shared calendar."),
        FAMILY,
    ),
)

BY_SLUG = {suggestion.slug: suggestion for suggestion in SUGGESTIONS}


def suggestions_for(kind: str) -> list[Suggestion]:
    """The suggestions that fit a relationship kind, in library order."""
    return [s for s in SUGGESTIONS if kind in s.kinds or kind == Kind.OTHER]
