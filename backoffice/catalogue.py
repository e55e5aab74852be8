"""事项目录: one item with its versions and what each changed; its draft
edited as YAML, checked on save with every problem shown at its line; the
test cases and a dry run against past applications; publishing with an
effective date and a reason."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from flask import Response, current_app, g, redirect, render_template, request
from flask import url_for

from backoffice import bp
from backoffice.access import permission
from govcore import catalog
from govcore.catalog import editing
from govcore.catalog.models import ItemVersion
from govcore.clock import local_date
from govcore.datahub import SubjectDirectory
from govcore.db import db
from govcore.decisions.dry_run import dry_run
from govcore.errors import GovCoreError, NotFoundError, ValidationError

OUTCOME_WORDS = {"approve": "批准", "refuse": "不予批准", "manual": "转人工"}
DRY_RUN_PEOPLE = 300  # sandbox people evaluated besides the past applications


@bp.get("/catalogue")
@permission("catalogue.read")
def catalogue() -> Any:
    """事项目录: every item in force with its reform flags, and its draft."""
    versions = catalog.list_items(on=local_date(g.now))
    by_category = Counter(v.category for v in versions)
    by_miaopi = Counter(v.miaopi.value for v in versions)
    return render_template(
        "admin/catalogue.html",
        versions=versions,
        by_category=[(c, by_category.get(c, 0)) for c in catalog.Category],
        by_miaopi=by_miaopi,
        drafts=editing.items_with_drafts(),
    )


def _actor() -> str:
    return f"staff:{g.staff.id}"


@bp.get("/catalogue/<string:code>")
@permission("catalogue.read")
def item(code: str) -> Any:
    found = editing.item_with_versions(code)
    versions = sorted(found.versions, key=lambda v: v.version)
    published = [v for v in versions if v.status.value != "draft"]
    history = [
        (version, editing.changes(older, version))
        for older, version in zip([None, *published], published)
    ]
    return render_template(
        "admin/item.html",
        item=found,
        history=list(reversed(history)),
        draft=editing.draft_of(found),
        in_force=next((v for v in published if v.in_force_on(local_date(g.now))), None),
        staff_names=_staff_names(versions),
    )


@bp.get("/catalogue/<string:code>/v<int:version>.yaml")
@permission("catalogue.read")
def item_yaml(code: str, version: int) -> Response:
    found = _version(code, version)
    return Response(
        editing.as_yaml(found),
        mimetype="application/yaml",
        headers={"Content-Disposition": f"attachment; filename={code}-v{version}.yaml"},
    )


@bp.post("/catalogue/<string:code>/draft/new")
@permission("catalogue.edit")
def start_draft(code: str) -> Any:
    editing.start_draft(code, actor=_actor(), now=g.now)
    return redirect(url_for("admin.draft", code=code))


@bp.get("/catalogue/<string:code>/draft")
@permission("catalogue.read")
def draft(code: str) -> Any:
    return _draft_page(code)


@bp.post("/catalogue/<string:code>/draft")
@permission("catalogue.edit")
def save_draft(code: str) -> Any:
    text = request.form.get("definition", "")
    try:
        editing.save_draft(code, text, actor=_actor(), now=g.now)
    except editing.DraftInvalid as invalid:
        db.session.rollback()
        return _draft_page(code, text=text, problems=invalid.problems, status=422)
    return redirect(url_for("admin.draft", code=code, saved=1))


@bp.post("/catalogue/<string:code>/draft/cases")
@permission("catalogue.edit")
def run_cases(code: str) -> Any:
    found = _draft(code)
    return _draft_page(code, cases=editing.run_cases(found))


@bp.post("/catalogue/<string:code>/draft/dry-run")
@permission("catalogue.edit")
def run_dry_run(code: str) -> Any:
    found = _draft(code)
    source = current_app.extensions["miaopi.datasource"]
    report = dry_run(
        code,
        found.version,
        source=source,
        directory=source if isinstance(source, SubjectDirectory) else None,
        now=g.now,
        people=DRY_RUN_PEOPLE,
    )
    editing.record_dry_run(code, report.as_json(), actor=_actor(), now=g.now)
    return redirect(url_for("admin.draft", code=code) + "#dry-run")


@bp.post("/catalogue/<string:code>/draft/publish")
@permission("catalogue.edit")
def publish(code: str) -> Any:
    form = request.form
    try:
        effective_from = _date(form.get("effective_from", ""))
        published = editing.publish(
            code,
            effective_from=effective_from,
            reason=form.get("reason", ""),
            note=form.get("note", ""),
            actor=_actor(),
            now=g.now,
        )
    except ValidationError as error:
        db.session.rollback()
        return _draft_page(code, publish_error=error, status=422)
    return redirect(url_for("admin.item", code=code, published=published.version))


@bp.post("/catalogue/<string:code>/draft/discard")
@permission("catalogue.edit")
def discard(code: str) -> Any:
    editing.discard_draft(code, actor=_actor(), now=g.now)
    return redirect(url_for("admin.item", code=code))


def _draft_page(
    code: str,
    *,
    text: str | None = None,
    problems: list[editing.DraftProblem] | None = None,
    cases: list[editing.CaseResult] | None = None,
    publish_error: GovCoreError | None = None,
    status: int = 200,
) -> Any:
    found = _draft(code)
    today = local_date(g.now)
    latest = max(
        (v for v in found.item.versions if v.status.value != "draft"),
        key=lambda v: v.version,
    )
    return (
        render_template(
            "admin/draft.html",
            draft=found,
            text=editing.as_yaml(found) if text is None else text,
            problems=problems or [],
            cases=cases,
            dry=(
                found.dry_run
                if found.dry_run and found.dry_run.get("hash") == found.content_hash
                else None
            ),
            publish_error=publish_error,
            reasons=editing.CHANGE_REASONS,
            earliest=max(today, latest.effective_from + timedelta(days=1)),
            form=request.form if publish_error else {},
            saved=request.args.get("saved") == "1",
            outcome_words=OUTCOME_WORDS,
        ),
        status,
    )


def _draft(code: str) -> ItemVersion:
    found = editing.draft_of(editing.item_with_versions(code))
    if found is None:
        raise NotFoundError(f"事项 {code} 没有草稿（no draft）")
    return found


def _version(code: str, version: int) -> ItemVersion:
    found = next(
        (v for v in editing.item_with_versions(code).versions if v.version == version),
        None,
    )
    if found is None:
        raise NotFoundError(f"事项 {code} 没有第 {version} 版")
    return found


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(
            "请填写生效日期（如 2027-01-01）", field="effective_from"
        ) from None


def _staff_names(versions: list[ItemVersion]) -> dict[str, str]:
    """Who made or published each version, by actor label, for the history."""
    from govcore.staff.models import StaffAccount

    ids = {
        int(actor.split(":", 1)[1])
        for v in versions
        for actor in (v.created_by, v.published_by or "")
        if actor.startswith("staff:")
    }
    names = {"catalogue-file": "目录文件导入"}
    for account in db.session.scalars(
        db.select(StaffAccount).where(StaffAccount.id.in_(ids))
    ):
        names[f"staff:{account.id}"] = account.display_name or account.username
    return names
