"""The mobile API serves the catalogue (the kiosk: test_kiosk_pages.py; the
console: tests/admin/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from govcore import catalog
from govcore.clock import utcnow

CATALOG = Path(__file__).resolve().parents[2] / "catalog"


@pytest.fixture
def loaded(app):
    with app.app_context():
        catalog.load_catalog(catalog.read_catalog(CATALOG), now=utcnow())
    return app


def test_api_lists_mobile_items_in_readable_json(loaded, client) -> None:
    response = client.get("/api/v1/items")
    assert response.status_code == 200
    assert "高龄老人津贴申领" in response.get_data(as_text=True)  # not \\u-escaped
    items = {i["code"]: i for i in response.json["items"]}
    assert items["aged-allowance"]["miaopi"] == "Y"
    assert items["aged-allowance"]["category"] == "GF"
    assert "land-use-dispute-ruling" not in items  # counter only


def test_api_index_links_to_items(client) -> None:
    assert client.get("/api/v1/").json["links"]["items"] == "/api/v1/items"
