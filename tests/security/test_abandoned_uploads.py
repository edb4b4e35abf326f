"""Leftovers: photos stored for a donation posting that was never finished are deleted by the periodic job
once older than ABANDONED_UPLOAD_GRACE_H; photos in use, recent ones and files that are not ours stay."""
from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path

from PIL import Image

from coalition import jobs
from coalition.services import photos


def _photo(app) -> Path:
    """A photo stored the way the posting form stores one, before the donation exists."""
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 80, 20)).save(buffer, format="JPEG")
    name = photos.store_photo(buffer.getvalue(), app.config["UPLOAD_FOLDER"], app.config["MAX_PHOTO_BYTES"])
    return photos.photo_path(app.config["UPLOAD_FOLDER"], name)


def _age(path: Path, hours: float) -> None:
    moment = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=hours)).timestamp()
    os.utime(path, (moment, moment))


def test_the_periodic_job_deletes_only_abandoned_photos_past_the_grace_period(app, session, make_donation):
    now = dt.datetime.now(dt.timezone.utc)
    abandoned, recent, in_use = _photo(app), _photo(app), _photo(app)
    _age(abandoned, 25)
    _age(in_use, 200)
    _age(recent, 23)
    donation = make_donation()
    donation.photo_filename = in_use.name
    not_ours = Path(app.config["UPLOAD_FOLDER"]) / photos.SUBFOLDER / "README.txt"
    not_ours.write_text("kept")
    _age(not_ours, 200)
    session.commit()

    with app.app_context():
        result = jobs.run_periodic(session, now, app.config)

    assert result.errors == []
    assert result.uploads_deleted == 1 and "1 abandoned photos deleted" in result.summary()
    assert not abandoned.exists()
    assert recent.exists() and in_use.exists() and not_ours.exists()
    for path in (recent, in_use, not_ours):
        path.unlink()


def test_the_grace_period_is_configurable(app, session, monkeypatch):
    monkeypatch.setitem(app.config, "ABANDONED_UPLOAD_GRACE_H", 1)
    stale = _photo(app)
    _age(stale, 2)
    assert jobs.delete_abandoned_uploads(session, dt.datetime.now(dt.timezone.utc), app.config) == 1
    assert not stale.exists()
