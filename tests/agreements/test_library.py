from agreements.library import SUGGESTIONS, suggestions_for
from agreements.models import STATEMENT_MAX, Category, Kind


def test_there_are_at_least_25_suggestions_with_unique_slugs() -> None:
    assert len(SUGGESTIONS) >= 25
    assert len({s.slug for s in SUGGESTIONS}) == len(SUGGESTIONS)


def test_every_theme_of_the_library_is_covered() -> None:
    themes = {s.category for s in SUGGESTIONS}
    assert themes >= set(Category) - {Category.OTHER}


def test_every_kind_has_suggestions_and_they_fit_the_kind() -> None:
    for kind in Kind.values:
        found = suggestions_for(kind)
        assert len(found) >= 5, kind
        assert all(kind in s.kinds or kind == Kind.OTHER for s in found)
    assert not any(s.category == Category.EXCLUSIVITY for s in suggestions_for(Kind.WORK))


def test_suggestions_fit_in_a_need() -> None:
    assert all(0 < len(str(s.statement)) <= STATEMENT_MAX for s in SUGGESTIONS)
    assert any("Show up when you say you will" in str(s.statement) for s in SUGGESTIONS)
