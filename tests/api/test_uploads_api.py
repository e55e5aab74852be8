"""Uploading material pages through the API, with real image files.

``POST /api/v1/applications/{id}/materials/{material_code}/uploads`` takes one
page (multipart field ``file``). What is stored and served back is a fresh
re-encoding under a name the server made: no EXIF or GPS, never the client's
file name, never anything but a JPEG or PNG.

Each test gets a file store of its own (under ``tmp_path``, put where the app
looks for it, ``app.extensions["miaopi.filestore"]``), so the files a test
leaves behind can be counted.
"""

from __future__ import annotations

import gc
import hashlib
import io
import re
import struct
import zlib
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from PIL import ExifTags, Image
from PIL.PngImagePlugin import PngInfo
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from govcore.applications import MaterialKind, MaterialRecord
from govcore.applications.submission import MAX_FILES_PER_MATERIAL
from govcore.db import db
from govcore.filestore import LocalFileStore
from tests.api.conftest import create_draft, dev_login, material

ITEM = "aged-allowance"
PAGE = "mandate"  # optional for 陈伯 applying himself: uploads are extra pages
STORED_NAME = re.compile(r"[0-9a-f]{32}\.(jpg|png)")
DISPOSITION = re.compile(r'attachment; filename="([0-9a-f]{32}\.(jpg|png))"')


# --- files made here -----------------------------------------------------------


def picture(size: tuple[int, int] = (64, 48)) -> Image.Image:
    """Red top-left, blue bottom-right: a rotation can be told apart."""
    image = Image.new("RGB", size, (255, 255, 255))
    w, h = size
    image.paste((255, 0, 0), (0, 0, w // 2, h // 2))
    image.paste((0, 0, 255), (w // 2, h // 2, w, h))
    return image


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def gps_exif(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Secret Model X"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (23.0, 22.0, 8.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (116.0, 43.0, 12.25)
    return exif


def gps_jpeg(**exif: int) -> bytes:
    data = encode(picture(), "JPEG", exif=gps_exif(**exif))
    with Image.open(io.BytesIO(data)) as original:  # the test file really has GPS
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return data


def png() -> bytes:
    return encode(picture(), "PNG")


def png_with_text() -> bytes:
    info = PngInfo()
    info.add_text("Author", "陈伯 440507194401150010")
    info.add_text("Comment", "Secret location")
    return encode(picture(), "PNG", pnginfo=info, exif=gps_exif())


def png_claiming(width: int, height: int) -> bytes:
    """A 1x1 PNG whose IHDR (CRC fixed) claims ``width`` x ``height``."""
    data = bytearray(encode(Image.new("L", (1, 1)), "PNG"))
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


# --- API helpers ---------------------------------------------------------------


@pytest.fixture
def store(world: Flask, tmp_path: Path) -> LocalFileStore:
    store = LocalFileStore(tmp_path / "uploads")
    world.extensions["miaopi.filestore"] = store
    return store


@pytest.fixture
def chen(store: LocalFileStore, client: FlaskClient) -> tuple[dict[str, str], dict]:
    """陈伯 logged in, with an aged-allowance draft (complete as created)."""
    auth = dev_login(client, "陈伯")
    return auth, create_draft(client, auth, ITEM)


def upload(
    client: FlaskClient,
    auth: dict[str, str],
    application_id: str,
    data: bytes,
    filename: str = "page.jpg",
    content_type: str = "image/jpeg",
    code: str = PAGE,
):
    # Encoded here in memory: the test client spools big bodies to a temporary
    # file it never closes (a ResourceWarning, an error under filterwarnings).
    boundary, body = encode_multipart(
        {"file": FileStorage(io.BytesIO(data), filename, content_type=content_type)}
    )
    return client.post(
        f"/api/v1/applications/{application_id}/materials/{code}/uploads",
        data=body,
        content_type=f'multipart/form-data; boundary="{boundary}"',
        headers=auth,
    )


def detail(client: FlaskClient, auth: dict[str, str], application_id: str) -> dict:
    response = client.get(f"/api/v1/applications/{application_id}", headers=auth)
    assert response.status_code == 200
    return response.json


def stored_files(store: LocalFileStore) -> list[str]:
    return sorted(p.name for p in store.root.rglob("*") if p.is_file())


def upload_rows(app: Flask) -> list[MaterialRecord]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(MaterialRecord).where(
                    MaterialRecord.kind == MaterialKind.UPLOAD
                )
            )
        )


def assert_error(response, status: int, code: str, field: str | None = None) -> None:
    assert response.status_code == status, response.data
    body = response.json
    assert {"code", "message", "status"} <= set(body), body
    assert (body["status"], body["code"]) == (status, code), body
    assert body["message"]
    if field is not None:
        assert field in body["errors"], body


def assert_nothing_stored(app: Flask, store: LocalFileStore) -> None:
    assert upload_rows(app) == []
    assert stored_files(store) == []


# --- accepted, cleaned, served -------------------------------------------------


def test_a_gps_photo_is_stored_and_served_without_metadata(
    world: Flask, client: FlaskClient, store: LocalFileStore, chen
) -> None:
    auth, draft = chen
    assert draft["effort"]["uploaded_files"] == 0
    assert material(draft, PAGE)["state"] == "optional"

    response = upload(client, auth, draft["id"], gps_jpeg(), "IMG_0001.jpg")

    assert response.status_code == 201, response.json
    page = response.json
    assert re.fullmatch(r"[0-9a-f]{32}", page["id"])
    assert page["media_type"] == "image/jpeg"
    assert page["url"] == f"/api/v1/applications/{draft['id']}/uploads/{page['id']}"
    served = client.get(page["url"], headers=auth)
    assert served.status_code == 200
    assert served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Cache-Control"] == "no-store"
    name = DISPOSITION.fullmatch(served.headers["Content-Disposition"])
    assert name is not None, served.headers["Content-Disposition"]
    assert name.group(2) == "jpg"
    assert len(served.data) == page["size"]
    with Image.open(io.BytesIO(served.data)) as image:
        assert image.format == "JPEG" and image.size == (64, 48)
        assert not image.getexif()
        assert "exif" not in image.info
    for needle in (b"Exif", b"GPS", b"PhoneMaker", b"Secret"):
        assert needle not in served.data
    assert stored_files(store) == [name.group(1)]
    assert store.read(name.group(1)) == served.data
    (row,) = upload_rows(world)
    assert row.file_name == name.group(1)
    assert row.sha256 == hashlib.sha256(served.data).hexdigest()

    after = detail(client, auth, draft["id"])
    page_state = material(after, PAGE)
    assert page_state["state"] == "uploaded"
    assert [f["id"] for f in page_state["files"]] == [page["id"]]
    assert page_state["files"][0]["url"] == page["url"]
    assert page_state["files"][0]["size"] == page["size"]
    assert after["effort"]["uploaded_files"] == 1


@pytest.mark.parametrize(
    "data, filename, media_type",
    [
        pytest.param(png_with_text(), "scan.png", "image/png", id="png-text-exif"),
        pytest.param(
            encode(picture(), "WEBP", exif=gps_exif()),
            "scan.webp",
            "image/png",
            id="webp-becomes-png",
        ),
    ],
)
def test_png_and_webp_are_served_as_bare_png(
    client: FlaskClient, chen, data: bytes, filename: str, media_type: str
) -> None:
    auth, draft = chen
    response = upload(client, auth, draft["id"], data, filename, "image/png")
    assert response.status_code == 201, response.json
    assert response.json["media_type"] == media_type
    served = client.get(response.json["url"], headers=auth)
    assert served.mimetype == media_type
    assert (
        DISPOSITION.fullmatch(served.headers["Content-Disposition"]).group(2) == "png"
    )
    with Image.open(io.BytesIO(served.data)) as image:
        assert image.format == "PNG" and image.size == (64, 48)
        assert not image.getexif()
        assert not getattr(image, "text", {})
        assert {"exif", "Author", "Comment"}.isdisjoint(image.info)
    for needle in (b"Exif", b"Secret", b"tEXt", b"eXIf", "陈伯".encode()):
        assert needle not in served.data


def test_the_exif_orientation_is_applied_before_it_is_dropped(
    client: FlaskClient, chen
) -> None:
    auth, draft = chen
    response = upload(client, auth, draft["id"], gps_jpeg(orientation=6))
    assert response.status_code == 201, response.json
    served = client.get(response.json["url"], headers=auth)
    with Image.open(io.BytesIO(served.data)) as image:
        assert image.size == (48, 64)  # stood upright: 90° clockwise
        assert not image.getexif()


# --- refused -------------------------------------------------------------------

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


@pytest.mark.parametrize(
    "data, filename, content_type",
    [
        pytest.param(EXE, "photo.jpg", "image/jpeg", id="exe-as-jpg"),
        pytest.param(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "p.gif", "image/gif",
                     id="gif"),
        pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "scan.pdf", "application/pdf",
                     id="pdf"),
        pytest.param(b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
                     "p.png", "image/png", id="svg-as-png"),
        pytest.param(b"", "empty.jpg", "image/jpeg", id="empty"),
    ],
)  # fmt: skip
def test_anything_but_an_image_is_415(
    world: Flask,
    client: FlaskClient,
    store: LocalFileStore,
    chen,
    data: bytes,
    filename: str,
    content_type: str,
) -> None:
    auth, draft = chen
    response = upload(client, auth, draft["id"], data, filename, content_type)
    assert_error(response, 415, "unsupported_media_type", "file")
    assert_nothing_stored(world, store)
    assert detail(client, auth, draft["id"])["effort"]["uploaded_files"] == 0


def test_a_corrupt_jpeg_is_422(
    world: Flask, client: FlaskClient, store: LocalFileStore, chen
) -> None:
    auth, draft = chen
    truncated = gps_jpeg()[:300]
    response = upload(client, auth, draft["id"], truncated)
    assert_error(response, 422, "corrupt_image", "file")
    assert_nothing_stored(world, store)


def test_a_file_over_the_configured_limit_is_413(
    world: Flask, client: FlaskClient, store: LocalFileStore, chen
) -> None:
    auth, draft = chen
    data = png()
    world.config["UPLOAD_MAX_BYTES"] = len(data) - 1
    response = upload(client, auth, draft["id"], data, "scan.png", "image/png")
    assert_error(response, 413, "too_large", "file")
    assert_nothing_stored(world, store)
    world.config["UPLOAD_MAX_BYTES"] = len(data)  # the limit itself is allowed
    assert upload(client, auth, draft["id"], data).status_code == 201


# Werkzeug spools a large multipart body to a temporary file; when the view
# fails it is left to the garbage collector (collected below, warning muted).
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_file_over_the_default_limit_is_413(
    world: Flask, client: FlaskClient, store: LocalFileStore, chen
) -> None:
    auth, draft = chen
    limit = world.config["UPLOAD_MAX_BYTES"]
    assert limit < world.config["MAX_CONTENT_LENGTH"]
    data = png()
    data += b"\x00" * (limit + 1 - len(data))
    response = upload(client, auth, draft["id"], data, "scan.png", "image/png")
    assert_error(response, 413, "too_large", "file")
    assert_nothing_stored(world, store)
    gc.collect()


# Werkzeug stops parsing the multipart body at MAX_CONTENT_LENGTH and leaves
# its spooled temporary file to the garbage collector; the 413 is what counts.
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_request_over_the_request_limit_is_413_in_the_error_shape(
    world: Flask, client: FlaskClient, store: LocalFileStore, chen
) -> None:
    auth, draft = chen
    data = b"\xff\xd8\xff" + b"\x00" * world.config["MAX_CONTENT_LENGTH"]
    response = upload(client, auth, draft["id"], data)
    assert response.status_code == 413
    assert {"code", "message", "status"} <= set(response.json)
    assert response.json["status"] == 413
    assert_nothing_stored(world, store)
    del response
    gc.collect()  # finalise werkzeug's abandoned spool file inside this test


@pytest.mark.parametrize(
    "width, height",
    [(20_000, 20_000), (7_000, 7_000), (12_001, 1)],
    ids=["pillow-bomb", "over-max-pixels", "over-max-side"],
)
def test_an_image_with_too_many_pixels_is_422_from_its_header(
    world: Flask,
    client: FlaskClient,
    store: LocalFileStore,
    chen,
    width: int,
    height: int,
) -> None:
    auth, draft = chen
    data = png_claiming(width, height)
    assert len(data) < 100  # a tiny file: only the header is big
    response = upload(client, auth, draft["id"], data, "bomb.png", "image/png")
    assert_error(response, 422, "image_too_large", "file")
    assert_nothing_stored(world, store)


def test_the_configured_pixel_limit_applies(
    world: Flask, client: FlaskClient, store: LocalFileStore, chen
) -> None:
    auth, draft = chen
    world.config["UPLOAD_MAX_PIXELS"] = 64 * 48 - 1
    response = upload(client, auth, draft["id"], png(), "scan.png", "image/png")
    assert_error(response, 422, "image_too_large", "file")
    assert_nothing_stored(world, store)


@pytest.mark.parametrize(
    "filename",
    ["../../etc/passwd", "..\\..\\windows\\win.ini", "/etc/passwd", "a/../../x.png"],
)
def test_the_client_file_name_is_ignored(
    world: Flask,
    client: FlaskClient,
    store: LocalFileStore,
    chen,
    tmp_path: Path,
    filename: str,
) -> None:
    auth, draft = chen
    response = upload(client, auth, draft["id"], png(), filename, "image/png")
    assert response.status_code == 201, response.json
    served = client.get(response.json["url"], headers=auth)
    name = DISPOSITION.fullmatch(served.headers["Content-Disposition"]).group(1)
    (row,) = upload_rows(world)
    assert row.file_name == name
    assert STORED_NAME.fullmatch(name)
    # Stored where the store keeps its files, and nowhere else.
    assert (store.root / name[:2] / name).is_file()
    everything = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert everything == [
        Path("uploads"),
        Path("uploads", name[:2]),
        Path("uploads", name[:2], name),
    ]
    for text in (response.get_data(as_text=True), str(served.headers)):
        assert "passwd" not in text and "win.ini" not in text and ".." not in text


@pytest.mark.parametrize("code", ["no-such-material", "MANDATE", "id-card"])
def test_a_material_the_item_does_not_have_is_404(
    world: Flask, client: FlaskClient, store: LocalFileStore, chen, code: str
) -> None:
    auth, draft = chen
    response = upload(client, auth, draft["id"], png(), code=code)
    assert_error(response, 404, "unknown_material")
    assert_nothing_stored(world, store)


def test_the_file_field_is_required(
    world: Flask, client: FlaskClient, store: LocalFileStore, chen
) -> None:
    auth, draft = chen
    url = f"/api/v1/applications/{draft['id']}/materials/{PAGE}/uploads"
    for data in ({}, {"file": "not a file"}, {"photo": (io.BytesIO(png()), "p.png")}):
        response = client.post(url, data=data, headers=auth)
        assert_error(response, 422, "invalid_request", "file")
    assert_nothing_stored(world, store)


# --- the draft's lifecycle -----------------------------------------------------


def test_no_uploads_or_deletions_after_submission(
    world: Flask, client: FlaskClient, store: LocalFileStore, chen
) -> None:
    auth, draft = chen
    page = upload(client, auth, draft["id"], png()).json
    submitted = client.post(
        f"/api/v1/applications/{draft['id']}/submit",
        headers={**auth, "Idempotency-Key": "submit-1"},
    )
    assert submitted.status_code == 200, submitted.json
    assert submitted.json["status"] != "draft"
    files = stored_files(store)

    response = upload(client, auth, draft["id"], png())
    assert_error(response, 409, "not_a_draft")
    deleted = client.delete(page["url"], headers=auth)
    assert_error(deleted, 409, "not_a_draft")

    assert stored_files(store) == files
    assert [r.public_id for r in upload_rows(world)] == [page["id"]]
    assert client.get(page["url"], headers=auth).status_code == 200
    after = detail(client, auth, draft["id"])
    assert after["effort"]["uploaded_files"] == 1
    assert after["updated_at"] == submitted.json["updated_at"]


def test_delete_removes_the_row_and_the_file(
    world: Flask, client: FlaskClient, store: LocalFileStore, chen
) -> None:
    auth, draft = chen
    first = upload(client, auth, draft["id"], gps_jpeg()).json
    second = upload(client, auth, draft["id"], png(), "p2.png", "image/png").json
    names = {r.public_id: r.file_name for r in upload_rows(world)}
    assert len(stored_files(store)) == 2

    response = client.delete(first["url"], headers=auth)

    assert response.status_code == 204
    assert response.data == b""
    assert [r.public_id for r in upload_rows(world)] == [second["id"]]
    assert not store.exists(names[first["id"]])
    assert store.exists(names[second["id"]])
    assert stored_files(store) == [names[second["id"]]]
    assert_error(client.get(first["url"], headers=auth), 404, "not_found")
    assert_error(client.delete(first["url"], headers=auth), 404, "not_found")
    page = material(detail(client, auth, draft["id"]), PAGE)
    assert [f["id"] for f in page["files"]] == [second["id"]]

    assert client.delete(second["url"], headers=auth).status_code == 204
    assert_nothing_stored(world, store)
    after = detail(client, auth, draft["id"])
    assert material(after, PAGE)["state"] == "optional"
    assert after["effort"]["uploaded_files"] == 0


def test_the_eleventh_page_of_a_material_is_422(
    world: Flask, client: FlaskClient, store: LocalFileStore, chen
) -> None:
    auth, draft = chen
    assert MAX_FILES_PER_MATERIAL == 10
    pages = []
    for n in range(MAX_FILES_PER_MATERIAL):
        response = upload(client, auth, draft["id"], png(), f"p{n}.png", "image/png")
        assert response.status_code == 201, (n, response.json)
        pages.append(response.json)

    eleventh = upload(client, auth, draft["id"], png(), "p10.png", "image/png")

    assert_error(eleventh, 422, "too_many_files", "file")
    assert len(upload_rows(world)) == 10
    assert len(stored_files(store)) == 10
    after = detail(client, auth, draft["id"])
    assert len(material(after, PAGE)["files"]) == 10
    assert after["effort"]["uploaded_files"] == 10
    # Room again once a page is deleted.
    assert client.delete(pages[0]["url"], headers=auth).status_code == 204
    again = upload(client, auth, draft["id"], png(), "p10.png", "image/png")
    assert again.status_code == 201, again.json
