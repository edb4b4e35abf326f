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


def refuse_ids_out_of_range(app) -> None:
    """Answer 404 for any integer in a URL (an ``<int:...>`` part) that no row can have.

    PostgreSQL refuses to compare an integer column with a number beyond its range (an error, not "no
    row"), and dates or counts that large break elsewhere: such a URL names nothing, on every route.
    Zero needs no check here: it is a valid number that simply names no row.
    """
    from werkzeug.exceptions import NotFound

    @app.url_value_preprocessor
    def _check_int_values(_endpoint, values):
        for value in (values or {}).values():
            if isinstance(value, int) and not isinstance(value, bool) and not 0 <= value <= MAX_ID:
                raise NotFound()
