"""The write boundary of every page and JSON endpoint: where a request's work is committed or rolled back.

Modelled on indico's ``RH.process``: the view does its work through the
services (which add and flush, never commit), and the boundary commits once
when that work succeeds and rolls back on any exception.

Two kinds of error leave a service (``coalition.errors``):

- a rule error (:class:`~coalition.errors.RuleError`: invalid input, a
  conflict) is the caller's to correct: an HTML page shows it beside the
  form's fields or flashes it, a JSON endpoint answers ``{"error", "fields"}``
  with its status (422, 409, 400);
- an access error (:class:`~coalition.errors.AccessError`: unknown id, not
  allowed, bad credentials) is always re-raised, after the rollback, to the
  app's error handlers (the 403/404 page, the JSON error). It is never shown
  as a form error.

Three shapes, one rule:

- ``with write(form) as outcome:`` for pages that show a rule error
  themselves (re-render the form with ``outcome.status``, or flash it);
- ``with committed():`` for work whose every error is answered by the error
  handlers (JSON endpoints, plain actions);
- ``@commits`` for a view that is one unit of work from start to finish
  (including pages that tidy state while they render).
"""
from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from flask import flash

from coalition.blueprints.forms import show_domain_error
from coalition.errors import DomainError, RuleError
from coalition.extensions import db


@dataclass
class Outcome:
    """What became of a :func:`write`: the rule error that undid it, or None when it was committed."""

    error: DomainError | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None

    @property
    def status(self) -> int:
        """The HTTP status for the page that follows: the error's (422, 409 ...) or 200."""
        return self.error.status_code if self.error is not None else 200


def _commit() -> None:
    """The one commit of the request's work (the only commit a view reaches)."""
    db.session.commit()


@contextlib.contextmanager
def write(form=None, *, flash_error: bool = False,
          keep_on: tuple[type[DomainError], ...] = ()) -> Iterator[Outcome]:
    """Commit the block's work, or roll it back and record the rule error in the yielded :class:`Outcome`.

    ``form``: a Flask-WTF form; a rule error's fields are placed beside its
    fields (the rest at the top). ``flash_error``: flash the error's message
    instead, for pages without a form. ``keep_on``: errors after which the work
    done so far is still committed and shown like a rule error (a failed
    sign-in's record is what throttles the next guesses).

    Access errors, and anything unexpected, are rolled back and re-raised.
    """
    outcome = Outcome()
    try:
        yield outcome
    except keep_on as error:
        _commit()
        outcome.error = error
    except RuleError as error:
        db.session.rollback()
        outcome.error = error
    except BaseException:
        db.session.rollback()
        raise
    else:
        _commit()
        return
    if form is not None:
        show_domain_error(form, outcome.error)
    if flash_error:
        flash(outcome.error.message, "error")


@contextlib.contextmanager
def committed(fields: Mapping[str, str] | None = None, *,
              keep_on: tuple[type[DomainError], ...] = ()) -> Iterator[None]:
    """Commit the block's work, or roll it back and re-raise every error to the app's error handlers.

    ``fields`` renames a rule error's service field names to the caller's
    (``pickup_start`` -> ``pickup_window.start`` in the JSON API).
    ``keep_on``: errors after which the work done so far is still committed
    before the error is re-raised (a failed sign-in's record is what throttles).
    """
    try:
        yield
    except keep_on:
        _commit()
        raise
    except RuleError as error:
        db.session.rollback()
        if fields:
            error.fields = {fields.get(key, key): message for key, message in error.fields.items()}
        raise
    except BaseException:
        db.session.rollback()
        raise
    else:
        _commit()


def commits(view):
    """Make a whole view one unit of work: committed after it returns, rolled back if it raises."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        with committed():
            return view(*args, **kwargs)
    return wrapper
