"""Donation photos: only real JPEG/PNG/WebP images, size-limited, re-encoded without EXIF, served after a permission check."""
from __future__ import annotations

import datetime as dt
import io
import random
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from coalition.errors import ValidationError
from coalition.models import Donation
from coalition.services import photos
from tests.fixtures.web import csrf_token_from

TZ = ZoneInfo("America/Los_Angeles")


def image_bytes(fmt="JPEG", size=(64, 48), exif=False, noise=False) -> bytes:
    image = Image.new("RGB", size, (200, 120, 40))
    if noise:
        image = Image.frombytes("RGB", size, random.Random(4).randbytes(size[0] * size[1] * 3))
    out = io.BytesIO()
    extra = {}
    if exif:
        tags = Image.Exif()
        tags[0x010F] = "TestPhone"                                      # Make
        tags.get_ifd(0x8825).update({1: "N", 2: (45.0, 30.0, 0.0)})     # GPS: where it was taken
        extra["exif"] = tags.tobytes()
    image.save(out, format=fmt, **extra)
    return out.getvalue()


def stored_files(app) -> set[str]:
    folder = Path(app.config["UPLOAD_FOLDER"]) / "donations"
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


@pytest.fixture
def pickup_screen(client, now, org):
    """POST screen 2 (pickup) of the posting flow with a file in the photo field."""

    def _post(content: bytes, filename: str, mimetype: str = "image/jpeg", step="pickup", action="next", token=None):
        # Opening the first screen starts a new draft (and forgets a waiting photo): reuse a token when given.
        token = token or csrf_token_from(client.get("/donations/new").get_data(as_text=True))
        local = lambda value: value.astimezone(TZ).strftime("%Y-%m-%dT%H:%M")  # noqa: E731
        data = {
            "csrf_token": token, "step": step, "action": action, "donor_id": str(org("Hawthorne Green Grocer").id),
            "lines-0-category": "produce", "lines-0-description": "kale", "lines-0-kg": "8",
            "lines-0-storage": "refrigerated", "lines-0-use_by": local(now + dt.timedelta(hours=30)),
            "pickup_start": local(now + dt.timedelta(hours=1)), "pickup_end": local(now + dt.timedelta(hours=3)),
            "photo": (io.BytesIO(content), filename, mimetype),
        }
        return client.post("/donations/new", data=data, content_type="multipart/form-data")

    return _post


def test_photo_is_reencoded_without_exif_and_served_only_to_viewers(app, client, login_as, pickup_screen, session):
    login_as("grocer")
    review = pickup_screen(image_bytes(exif=True), "kale-at-home.jpg")
    assert review.status_code == 200 and "Step 3 of 3" in review.get_data(as_text=True)
    assert "Attached" in review.get_data(as_text=True)
    # Post with the same fields (the photo waits in the session).
    done = pickup_screen(b"", "", step="review", action="post", token=csrf_token_from(review.get_data(as_text=True)))
    assert done.status_code == 302
    donation_id = int(done.headers["Location"].rsplit("/", 1)[1])
    name = session.get(Donation, donation_id).photo_filename
    assert name and name.endswith(".jpg") and "kale" not in name
    stored = Path(app.config["UPLOAD_FOLDER"]) / "donations" / name
    with Image.open(stored) as image:
        assert image.format == "JPEG" and image.size == (64, 48)
        assert dict(image.getexif()) == {}, "EXIF (camera, location) must be stripped"
    served = client.get(f"/donations/{donation_id}/photo")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["Cache-Control"].startswith("private")
    assert served.data == stored.read_bytes()
    served.close()
    assert f'src="/donations/{donation_id}/photo"' in client.get(f"/donations/{donation_id}").get_data(as_text=True)
    # Not reachable by a guessable public path.
    assert client.get(f"/static/uploads/donations/{name}").status_code == 404
    assert client.get(f"/uploads/donations/{name}").status_code == 404


@pytest.mark.parametrize("role, status", [("foodbank", 200), ("coordinator", 200), ("farmer", 404), ("driver", 404)])
def test_photo_is_served_after_can_view_donation(app, client, login_as, make_donation, session, role, status):
    donation = make_donation()
    donation.photo_filename = photos.store_photo(image_bytes("PNG"), app.config["UPLOAD_FOLDER"], 10_000_000)
    session.commit()
    donation_id = donation.id
    login_as(role)
    response = client.get(f"/donations/{donation_id}/photo")
    assert response.status_code == status
    response.close()


def test_anonymous_visitors_are_sent_to_sign_in(client, make_donation, session):
    donation = make_donation()
    session.commit()
    response = client.get(f"/donations/{donation.id}/photo")
    assert response.status_code == 302 and "/signin" in response.headers["Location"]


def test_a_text_file_renamed_jpg_is_refused_beside_the_field(app, login_as, pickup_screen):
    login_as("grocer")
    before = stored_files(app)
    response = pickup_screen(b"Not a photo at all, just text.\n" * 20, "bread.jpg")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Step 2 of 3" in page
    assert 'id="photo-error"' in page and "not a JPEG, PNG or WebP photo" in page
    assert stored_files(app) == before


def test_a_gif_is_refused(app, login_as, pickup_screen):
    login_as("grocer")
    response = pickup_screen(image_bytes("GIF"), "bread.gif", "image/gif")
    assert response.status_code == 422 and 'id="photo-error"' in response.get_data(as_text=True)


def test_an_oversized_photo_is_refused(app, login_as, pickup_screen, monkeypatch):
    login_as("grocer")
    monkeypatch.setitem(app.config, "MAX_PHOTO_BYTES", 2_000)
    before = stored_files(app)
    response = pickup_screen(image_bytes("PNG", size=(120, 120), noise=True), "big.png", "image/png")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "the limit is 0.002 MB" in page
    assert stored_files(app) == before


def test_a_body_over_the_upload_limit_gets_413(app, login_as, pickup_screen, monkeypatch):
    login_as("grocer")
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 20_000)
    response = pickup_screen(b"\xff" * 50_000, "huge.jpg")
    assert response.status_code == 413


def test_webp_and_transparent_png_are_accepted_in_their_format(app):
    folder = app.config["UPLOAD_FOLDER"]
    assert photos.store_photo(image_bytes("WEBP"), folder, 1_000_000).endswith(".webp")
    png = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(png, format="PNG")
    name = photos.store_photo(png.getvalue(), folder, 1_000_000)
    with Image.open(Path(folder) / "donations" / name) as image:
        assert image.format == "PNG" and image.mode == "RGBA"


@pytest.mark.parametrize("content", [b"", b"GIF89a" + b"\0" * 20, image_bytes()[:200]])
def test_empty_or_broken_files_are_refused(app, content):
    with pytest.raises(ValidationError) as raised:
        photos.store_photo(content, app.config["UPLOAD_FOLDER"], 1_000_000)
    assert "photo" in raised.value.fields


def test_photo_names_outside_the_folder_are_not_found(app):
    from coalition.errors import NotFound

    for name in ("../secret_key", ".hidden", "a/b.jpg", "missing.jpg"):
        with pytest.raises(NotFound):
            photos.photo_path(app.config["UPLOAD_FOLDER"], name)


def test_a_replaced_photo_is_deleted(app, login_as, pickup_screen, client):
    login_as("grocer")
    before = stored_files(app)
    first = pickup_screen(image_bytes(), "one.jpg")
    token = csrf_token_from(first.get_data(as_text=True))
    after_first = stored_files(app) - before
    pickup_screen(image_bytes("PNG"), "two.png", "image/png", token=token)
    after_second = stored_files(app) - before
    assert len(after_first) == len(after_second) == 1 and after_first != after_second
