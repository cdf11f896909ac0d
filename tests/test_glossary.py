"""One voice: every template and every user-facing string in the code uses the words of
docs/GLOSSARY.md, the one place they are decided. The glossary's table is read here, so a word
added to its "Avoid" column is checked at once."""

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "docs" / "GLOSSARY.md"
TEMPLATES = ROOT / "templates"
APPS = ("accounts", "agreements", "checkins", "config", "live", "notifications", "records")
GETTEXT = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}


@dataclass(frozen=True)
class Entry:
    action: str
    button: str
    state: str
    avoid: tuple[str, ...]


@dataclass(frozen=True)
class Slip:
    where: str
    line: int
    found: str
    entry: Entry

    def __str__(self) -> str:
        return (
            f"{self.where}:{self.line}: “{self.found}” is not our word for {self.entry.action}: "
            f"use “{self.entry.button}” on a button, “{self.entry.state}” for its state"
        )


def glossary(text: str) -> list[Entry]:
    """The rows of the table under "## Actions"."""
    entries = []
    section = text.split("## Actions", 1)[1]
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or cells[0] in {"Action", "---"}:
            continue
        action, button, state, avoid = cells[:4]
        words = tuple(re.findall(r"`([^`]+)`", avoid))
        state = re.sub(r"\s*\(.*?\)", "", state.split(";")[0]).strip()
        entries.append(Entry(action, button, state, words))
    return entries


def pattern(word: str) -> re.Pattern[str]:
    """A whole word or phrase; case is ignored unless the word has a capital after its first
    letter (a title-case slip such as "Remember Me")."""
    body = r"\s+".join(re.escape(part) for part in word.split())
    flags = 0 if any(c.isupper() for c in word[1:]) else re.IGNORECASE
    return re.compile(rf"(?<![\w-]){body}(?![\w-])", flags)


def _blank(match: re.Match[str], keep: str = "") -> str:
    """Replace a match by what it shows (or a space), keeping its line breaks so line numbers
    stay true."""
    return f" {keep} " + "\n" * (match.group(0).count("\n") - keep.count("\n"))


QUOTED = r"\"((?:[^\"\\]|\\.)*)\"|'((?:[^'\\]|\\.)*)'"
READ_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt"}


def visible_text(source: str) -> str:
    """What a template shows people, line for line: its text, translated strings, and the
    attributes read aloud; never tag names, classes, URLs, form values or template logic."""
    text = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", _blank, source, flags=re.S)
    text = re.sub(r"{#.*?#}|<!--.*?-->|<(script|style)\b.*?</\1>", _blank, text, flags=re.S)

    def tag(match: re.Match[str]) -> str:
        inner = (match.group(1) or match.group(2)).strip()
        if re.match(r"(translate|trans)\s", inner):
            said = re.match(rf"\w+\s+(?:{QUOTED})", inner)
            return _blank(match, (said.group(1) or said.group(2) or "") if said else "")
        strings = re.findall(rf"_\((?:{QUOTED})\)", inner)  # default:_("Someone")
        return _blank(match, " ".join(a or b for a, b in strings))

    text = re.sub(r"{%(.*?)%}|{{(.*?)}}", tag, text, flags=re.S)

    def element(match: re.Match[str]) -> str:
        read = [
            value
            for name, value in re.findall(r"([\w-]+)\s*=\s*\"([^\"]*)\"", match.group(0))
            if name.lower() in READ_ATTRIBUTES
        ]
        return _blank(match, " ".join(read))

    return re.sub(r"<[^>]*>", element, text)


def python_strings(source: str) -> list[tuple[int, str]]:
    """Every string literal passed to a gettext function, with its line."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name in GETTEXT:
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.append((arg.lineno, arg.value))
    return found


def slips(where: str, lines: list[tuple[int, str]], entries: list[Entry]) -> list[Slip]:
    checks = [(pattern(word), entry) for entry in entries for word in entry.avoid]
    return [
        Slip(where, number, match.group(0), entry)
        for number, line in lines
        for rule, entry in checks
        for match in rule.finditer(line)
    ]


def template_lines(path: Path) -> list[tuple[int, str]]:
    return list(enumerate(visible_text(path.read_text()).splitlines(), start=1))


def every_template() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*") if p.suffix in {".html", ".txt"})


def every_module() -> list[Path]:
    return sorted(
        p for app in APPS for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts
    )


ENTRIES = glossary(GLOSSARY.read_text())


def test_the_glossary_names_every_core_action() -> None:
    actions = {e.action for e in ENTRIES}
    core = {"put down", "pick up", "decline", "counter-propose", "withdraw", "sign"}
    assert core | {"renegotiate", "check in", "log in"} <= actions
    by_action = {e.action: e for e in ENTRIES}
    assert by_action["pick up"].button == "Pick it up"
    assert "accept" in by_action["pick up"].avoid
    assert all(e.button for e in ENTRIES)


def test_no_template_uses_another_word_for_an_action() -> None:
    found = [
        slip
        for path in every_template()
        for slip in slips(str(path.relative_to(ROOT)), template_lines(path), ENTRIES)
    ]
    assert not found, "\n" + "\n".join(map(str, found))


def test_no_message_in_the_code_uses_another_word_for_an_action() -> None:
    found = [
        slip
        for path in every_module()
        for slip in slips(str(path.relative_to(ROOT)), python_strings(path.read_text()), ENTRIES)
    ]
    assert not found, "\n" + "\n".join(map(str, found))


def test_every_button_word_is_in_use() -> None:
    """The glossary stays true: each button word is shown somewhere."""
    shown = "\n".join(visible_text(p.read_text()) for p in every_template())
    shown += "\n".join(s for p in every_module() for _, s in python_strings(p.read_text()))
    missing = [e.button for e in ENTRIES if not pattern(e.button).search(shown)]
    assert not missing, f"docs/GLOSSARY.md names buttons nobody sees: {missing}"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ('<button name="answer" value="accept">{% translate "Accept" %}</button>', ["Accept"]),
        ('<button name="answer" value="accept">{% translate "Pick it up" %}</button>', []),
        ("{% if name == 'countered' %}<p class=\"need--countered\">x</p>{% endif %}", []),
        ('<a href="/check-ins/">{% translate "Check-ins" %}</a>', []),
        (
            "\n\n<p>{% blocktranslate %}Ben\npicked it up{% endblocktranslate %}</p>",
            ["picked it up"],
        ),
        ('<nav aria-label="Sign in">{{ x|default:_("Accepted") }}</nav>', ["Sign in", "Accepted"]),
        ("{# Accept #}{% comment %}accept{% endcomment %}<!-- accepted -->", []),
        ("<p>Remember me</p><p>Remember Me</p>", ["Remember Me"]),
    ],
)
def test_the_check_reads_what_people_read(template: str, expected: list[str]) -> None:
    lines = list(enumerate(visible_text(template).splitlines(), start=1))
    assert sorted(s.found for s in slips("t.html", lines, ENTRIES)) == sorted(expected)


def test_a_slip_names_the_file_the_line_and_the_word_to_use() -> None:
    lines = list(
        enumerate(visible_text('\n<button>{% translate "Accept" %}</button>').splitlines(), 1)
    )
    (slip,) = slips("templates/x.html", lines, ENTRIES)
    assert str(slip) == (
        "templates/x.html:2: “Accept” is not our word for pick up: "
        "use “Pick it up” on a button, “Picked up” for its state"
    )
    code = python_strings('from x import _\n\nLABEL = _("Picked it up")\n')
    assert [s.line for s in slips("m.py", code, ENTRIES)] == [3]
