"""The catalogue in the console: an administrator changes an item through a
draft (errors shown at their lines), its cases, a dry run and publication;
others read the history but cannot change anything."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from govcore.catalog.models import Item
from govcore.clock import local_date, utcnow
from govcore.db import db
from tests.admin.test_console import csrf, log_in
from tests.api.test_staff_reviews import make_account

ITEM = "/admin/catalogue/aged-allowance"


def _admin(world: Flask, client) -> None:
    secret = make_account(world, "li.admin", "administrator", None)
    assert log_in(client, "li.admin", secret).status_code == 302


def _post(client, path: str, **form: str):
    token = csrf(client, ITEM)
    return client.post(path, data={**form, "csrf_token": token})


def _textarea(page: str) -> str:
    import html

    found = re.search(r'<textarea id="definition"[^>]*>(.*?)</textarea>', page, re.S)
    return html.unescape(found.group(1))


def test_an_administrator_changes_an_item_from_draft_to_published(
    world: Flask, client
) -> None:
    _admin(world, client)
    listing = client.get("/admin/catalogue").get_data(as_text=True)
    assert f'href="{ITEM}"' in listing
    assert "第 2 版草稿" in client.get(ITEM).get_data(as_text=True)
    assert _post(client, f"{ITEM}/draft/new").location == f"{ITEM}/draft"
    assert "草稿" in client.get("/admin/catalogue").get_data(as_text=True)

    page = client.get(f"{ITEM}/draft").get_data(as_text=True)
    text = _textarea(page)
    assert text.startswith("code: aged-allowance\nversion: 2\n")
    # An error is answered at its line, and what was typed is kept.
    broken = text.replace("category: GF", "category: ZZ")
    response = _post(client, f"{ITEM}/draft", definition=broken)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    line = broken.splitlines().index("category: ZZ") + 1
    assert f"第 {line} 行</a> · <code>category</code>" in page
    assert _textarea(page) == broken

    changed = text.replace("miaobao: true", "miaobao: false", 1)
    response = _post(client, f"{ITEM}/draft", definition=changed)
    assert response.status_code == 302 and "saved=1" in response.location
    cases = _post(client, f"{ITEM}/draft/cases").get_data(as_text=True)
    assert re.search(r"(\d+) / \1 个用例通过", cases)
    # Publishing before a dry run is refused, and the button is disabled.
    later = local_date(utcnow()) + timedelta(days=7)
    refused = _post(
        client,
        f"{ITEM}/draft/publish",
        effective_from=later.isoformat(),
        reason="政策变化",
    )
    assert refused.status_code == 422
    assert "发布前须对当前草稿内容进行试运行" in refused.get_data(as_text=True)
    assert _post(client, f"{ITEM}/draft/dry-run").status_code == 302
    page = client.get(f"{ITEM}/draft").get_data(as_text=True)
    assert "没有任何结果会改变" in page
    published = _post(
        client,
        f"{ITEM}/draft/publish",
        effective_from=later.isoformat(),
        reason="政策变化",
        note="秒报暂停，待数据接口恢复",
    )
    assert published.status_code == 302
    history = client.get(published.location).get_data(as_text=True)
    assert "第 2 版已发布" in history
    assert "秒报：是 → 否" in history and "秒报暂停，待数据接口恢复" in history
    assert "li.admin" in history and "目录文件导入" in history
    with world.app_context():
        item = db.session.scalar(sa.select(Item).where(Item.code == "aged-allowance"))
        first, second = item.versions
        assert (second.effective_from, second.miaobao) == (later, False)
        assert first.effective_to == later
    download = client.get(f"{ITEM}/v2.yaml")
    assert download.headers["Content-Disposition"].endswith("aged-allowance-v2.yaml")
    assert "miaobao: false" in download.get_data(as_text=True)


def test_a_reader_sees_the_history_but_changes_nothing(world: Flask, client) -> None:
    secret = make_account(world, "zhang.wei", "approver", "lh-mz")
    log_in(client, "zhang.wei", secret)
    page = client.get(ITEM).get_data(as_text=True)
    assert "版本历史" in page and "修改事项" not in page
    assert "现行判定规则" in page and "age(HK.birth_date) &gt;= 80" in page
    assert _post(client, f"{ITEM}/draft/new").status_code == 403
    assert client.get("/admin/catalogue/no-such-item").status_code == 404
