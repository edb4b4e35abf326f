"""Reading database ids from untrusted text (URLs, form fields, query strings)."""
from __future__ import annotations

# Ids are 32-bit integers in PostgreSQL: a larger number can never name a row,
# and sending one to the database is an error rather than "not found".
MAX_ID = 2**31 - 1


def parse_id(text: object) -> int | None:
    """The id written in ``text``, or None when it is not a plain ASCII number from 1 to MAX_ID.

    ``str.isdigit`` alone accepts characters such as "²" that ``int`` rejects.
    """
    value = str(text).strip() if text is not None else ""
    if not value or len(value) > 10 or not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None
