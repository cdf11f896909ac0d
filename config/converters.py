"""URL converters shared by the apps."""


class TokenConverter:
    """A URL-safe id or token (public ids, secret links): letters, digits, - and _ only, so
    nothing else (a NUL byte, markup) ever reaches a database lookup; anything else is a 404."""

    regex = "[A-Za-z0-9_-]{1,200}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
