"""Donation photos: checked to be real images, re-encoded without metadata, stored under a random name.

Photos live in ``<upload folder>/donations/`` and are served only through
``/donations/<id>/photo`` after ``permissions.can_view_donation``; the
stored name is random, never derived from the uploaded file name.
"""
from __future__ import annotations

import datetime as dt
import io
import secrets
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from coalition import permissions
from coalition.errors import NotFound, PermissionDenied, ValidationError
from coalition.models import Donation, Stop, User
from coalition.services import audit

ACCEPTED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MAX_PIXELS = 40_000_000         # larger images are decompression bombs, not phone photos
MAX_SIDE_PX = 2000              # phone photos are scaled down to this for the page
SUBFOLDER = "donations"


def _folder(upload_folder: str | Path) -> Path:
    return Path(upload_folder) / SUBFOLDER


def store_photo(data: bytes, upload_folder: str | Path, max_bytes: int, field: str = "photo") -> str:
    """Check that ``data`` is a JPEG, PNG or WebP image of at most ``max_bytes`` bytes and store it.

    The image is decoded and re-encoded (which drops EXIF data such as the
    location where it was taken) after applying its EXIF orientation, and
    scaled down to at most MAX_SIDE_PX on its longer side.
    Returns the stored file name (random). Raises ValidationError keyed by ``field``.
    """
    if not data:
        raise ValidationError("The photo is empty.", {field: "This file is empty. Choose a photo."})
    if len(data) > max_bytes:
        raise ValidationError("The photo is too large.", {
            field: f"This photo is {len(data) / 1_000_000:.1f} MB; the limit is {max_bytes / 1_000_000:g} MB."})
    not_image = ValidationError("That file is not a photo.", {
        field: "This file is not a JPEG, PNG or WebP photo. Choose a photo taken with your phone or camera."})
    try:
        with warnings.catch_warnings():
            # Pillow warns (and our tests turn warnings into errors) on huge images: refuse them below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                kind = probe.format
                width, height = probe.size
                probe.verify()    # checks the file's structure without decoding every pixel
            if kind not in ACCEPTED_FORMATS:
                raise not_image
            if width * height > MAX_PIXELS:
                raise ValidationError("The photo is too large.", {field: "This photo has too many pixels."})
            # verify() leaves the image unusable: open it again to decode it fully.
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                image = ImageOps.exif_transpose(image)
                image.thumbnail((MAX_SIDE_PX, MAX_SIDE_PX))
                clean = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") and kind != "JPEG" else "RGB")
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise not_image from None
    extension = ACCEPTED_FORMATS[kind]
    name = f"{secrets.token_urlsafe(24)}.{extension}"
    folder = _folder(upload_folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = io.BytesIO()
    # Saving without exif=... writes no metadata.
    clean.save(out, format=kind, **({"quality": 85} if kind in ("JPEG", "WEBP") else {}))
    (folder / name).write_bytes(out.getvalue())
    return name


def photo_path(upload_folder: str | Path, filename: str) -> Path:
    """Where a stored photo lives; NotFound for a name that is not one of ours."""
    if not filename or "/" in filename or "\\" in filename or filename.startswith("."):
        raise NotFound("There is no such photo.")
    path = _folder(upload_folder) / filename
    if not path.is_file():
        raise NotFound("There is no such photo.")
    return path


def discard_photo(upload_folder: str | Path, filename: str) -> None:
    """Delete a stored photo that no donation uses (replaced before posting); a missing file is fine."""
    try:
        photo_path(upload_folder, filename).unlink()
    except (NotFound, OSError):
        pass


def attach_photo(session: Session, actor: User, donation: Donation, filename: str, now: dt.datetime) -> Donation:
    """Show a stored photo on a donation (replacing any earlier one). Raises PermissionDenied."""
    if not permissions.can_manage_donation(actor, donation):
        raise PermissionDenied("You cannot change this donation's photo.")
    donation.photo_filename = filename
    audit.record(session, actor, "donation", donation.id, "photo_added", now, donation.donor_id)
    session.flush()
    return donation


def delete_abandoned(session: Session, upload_folder: str | Path, older_than: dt.datetime) -> int:
    """Delete stored photos that no donation and no driver's stop uses and that were written before
    ``older_than`` (a posting never finished, a photo replaced); returns how many files were deleted.

    Photos are stored while a donation is still being written, before it exists: the grace period lets a
    posting in progress finish. Only our own file names (random, with an image extension) are touched.
    """
    folder = _folder(upload_folder)
    if not folder.is_dir():
        return 0
    used = set(session.scalars(select(Donation.photo_filename).where(Donation.photo_filename.is_not(None))))
    used |= set(session.scalars(select(Stop.photo_filename).where(Stop.photo_filename.is_not(None))))
    cutoff = older_than.timestamp()
    deleted = 0
    for path in folder.iterdir():
        if (not path.is_file() or path.name in used or path.name.startswith(".")
                or path.suffix.lstrip(".") not in ACCEPTED_FORMATS.values()):
            continue
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                deleted += 1
        except OSError:
            continue   # gone meanwhile or not ours to delete: nothing to clean
    return deleted
