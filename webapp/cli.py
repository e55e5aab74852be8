"""Command-line interface: ``flask --app webapp <group> <command>``.

Commands are thin: parse options, call a core use case, print the outcome.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

from govcore import applications, audit, catalog
from govcore.applications import idempotency
from govcore.audit.grants import app_role_grants
from govcore.db import db
from govcore.datahub import SubjectDirectory
from govcore import decisions
from govcore.decisions import proactive
from govcore.decisions.dry_run import dry_run
from govcore.certificates.issuance import DocumentServices, available
from govcore.clock import local_date, utcnow
from govcore.datahub import sandbox
from govcore.errors import GovCoreError
from govcore.validation import mask_id_number, parse_id_number

catalog_cli = AppGroup("catalog", help="Item catalogue (事项目录).")
sandbox_cli = AppGroup("sandbox", help="Synthetic shared-data registry (数据共享沙箱).")
applications_cli = AppGroup("applications", help="Applications (办件) upkeep.")
reviews_cli = AppGroup("reviews", help="Manual review tasks (人工审核).")
audit_cli = AppGroup("audit", help="The append-only audit log (审计日志).")
rules_cli = AppGroup("rules", help="Rules (秒批): check, proactive grants, dry runs.")


def documents() -> DocumentServices:
    try:
        return available(current_app.extensions["miaopi.documents"])
    except GovCoreError as error:
        fail(error)


def fail(error: GovCoreError) -> NoReturn:
    click.secho(error.message, fg="red", err=True)
    sys.exit(1)


@catalog_cli.command("load")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Catalogue folder (default: CATALOG_DIR).",
)
def catalog_load(directory: Path | None) -> None:
    """Validate the catalogue files and load them in one transaction."""
    root = directory or Path(current_app.config["CATALOG_DIR"])
    try:
        data = catalog.read_catalog(root)
        report = catalog.load_catalog(data, now=utcnow())
    except GovCoreError as error:
        fail(error)
    click.echo(
        f"catalogue {root}: {report.departments} departments, "
        f"{len(report.created)} versions created, {len(report.replaced_drafts)} drafts "
        f"replaced, {len(report.unchanged)} unchanged, {len(report.retired)} retired"
    )


@catalog_cli.command("list")
@click.option(
    "--on", "on", type=click.DateTime(["%Y-%m-%d"]), help="Date (default today)."
)
def catalog_list(on) -> None:
    """Print one line per item in force: code, category, department, name, flags."""
    day = on.date() if on else local_date(utcnow())
    for version in catalog.list_items(on=day):
        spec = version.spec
        click.echo(
            f"{version.item.code:40} {spec.category.value} {spec.category.label:6} "
            f"{version.item.department.short_name:12} {version.name:24} "
            f"秒报={'Y' if spec.reform.miaobao else 'N'} 秒批={spec.reform.miaopi.value}"
        )


@sandbox_cli.command("generate")
@click.option(
    "--people",
    type=click.IntRange(0, 1_000_000),
    default=None,
    help="How many people besides the fixed personas.",
)
@click.option(
    "--seed", type=int, default=None, help="Random seed (same seed, same people)."
)
@click.option(
    "--today",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Reference date for ages (default today).",
)
@click.option(
    "--if-empty", is_flag=True, help="Do nothing when the sandbox holds data."
)
def sandbox_generate(
    people: int | None, seed: int | None, today, if_empty: bool
) -> None:
    """Generate a deterministic synthetic 龙湖区 population into the sandbox."""
    if if_empty and sandbox.count_records():
        click.echo(f"sandbox already holds {sandbox.count_people()} people; left as is")
        return
    people = current_app.config["SANDBOX_DEFAULT_PEOPLE"] if people is None else people
    seed = current_app.config["SANDBOX_DEFAULT_SEED"] if seed is None else seed
    day = today.date() if today else local_date(utcnow())
    try:
        subjects, written = sandbox.generate_into_sandbox(
            people, seed=seed, today=day, now=utcnow()
        )
    except GovCoreError as error:
        fail(error)
    click.echo(f"sandbox: {subjects} subjects, {written} records (seed {seed})")


@sandbox_cli.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def sandbox_load(file: Path) -> None:
    """Import a miaopi-sandbox/1 JSON file, replacing the same people's records."""
    try:
        subjects = sandbox.read_sandbox_file(file)
        written = sandbox.import_subjects(subjects, now=utcnow())
    except GovCoreError as error:
        fail(error)
    click.echo(f"{file}: {len(subjects)} subjects, {written} records imported")


@sandbox_cli.command("show")
@click.argument("subject")
def sandbox_show(subject: str) -> None:
    """Print what every source holds about a person (ID number) or organisation."""
    subject_id = _normalise_subject(subject)
    records = sandbox.describe_subject(subject_id)
    if not records:
        click.secho(f"no sandbox records for {mask_id_number(subject_id)}", fg="yellow")
        sys.exit(1)
    for source, record in records.items():
        click.secho(
            f"[{source}] {record.record_id}  updated {record.updated_at:%Y-%m-%d}",
            bold=True,
        )
        click.echo(json.dumps(record.data, ensure_ascii=False, indent=2))


def _normalise_subject(value: str) -> str:
    value = value.strip().upper()
    try:
        return parse_id_number(value).number
    except GovCoreError:
        return value


@applications_cli.command("sweep")
def applications_sweep() -> None:
    """Apply lapsed 容缺 deadlines, withdraw stale drafts, purge expired data."""
    now = utcnow()
    report = applications.sweep(
        now=now,
        store=current_app.extensions["miaopi.filestore"],
        calendar=current_app.extensions["miaopi.calendar"],
    )
    pruned = idempotency.prune(now=now)
    click.echo(
        f"lapsed {report.lapsed}, stale drafts withdrawn {report.drafts_withdrawn}, "
        f"applications purged {report.purged} ({report.files_deleted} files), "
        f"idempotency keys pruned {pruned}"
    )


@rules_cli.command("check")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Catalogue folder (default: CATALOG_DIR).",
)
def rules_check(directory: Path | None) -> None:
    """Compile every item's rules and run its test cases."""
    from govcore.rules.cases import run_cases

    try:
        data = catalog.read_catalog(
            directory or Path(current_app.config["CATALOG_DIR"])
        )
    except GovCoreError as error:
        fail(error)
    failed = 0
    for item in sorted(data.items, key=lambda i: i.code):
        failures = run_cases(item)
        failed += len(failures)
        cases = len(item.rules.cases) if item.rules else 0
        checks = len(item.rules.checks) if item.rules else 0
        mark = "FAIL" if failures else "ok"
        click.echo(
            f"{mark:4} {item.code:40} 秒批 {item.reform.miaopi.value:7} "
            f"{checks:2} checks {cases:2} cases"
        )
        for failure in failures:
            click.secho(f"     {failure.name}: {failure.message}", fg="red")
    sys.exit(1 if failed else 0)


@rules_cli.command("proactive")
@click.argument("item_code")
@click.option(
    "--mode",
    type=click.Choice(["auto", "confirm"]),
    default=None,
    help="Grant at once or offer (default: the item's proactive_grant).",
)
@click.option("--limit", type=int, default=None, help="Examine at most N people.")
def rules_proactive(item_code: str, mode: str | None, limit: int | None) -> None:
    """免申即享: find people who qualify for ITEM_CODE and grant or offer it."""
    source = current_app.extensions["miaopi.datasource"]
    if not isinstance(source, SubjectDirectory):
        fail(GovCoreError("the data source cannot list people (needs the sandbox)"))
    try:
        report = proactive.find_and_offer(
            item_code,
            source=source,
            directory=source,
            calendar=current_app.extensions["miaopi.calendar"],
            documents=documents(),
            now=utcnow(),
            mode=mode,
            limit=limit,
        )
    except GovCoreError as error:
        fail(error)
    click.echo(
        f"examined {report.examined}, qualified {report.matched}, "
        f"granted {report.granted}, offered {report.offered}, "
        f"already handled {report.skipped}"
    )
    for problem in report.problems:
        click.echo(f"  not granted automatically: {problem}")


@rules_cli.command("dry-run")
@click.argument("item_code")
@click.option("--version", "version", type=int, required=True)
@click.option(
    "--people",
    type=int,
    default=500,
    show_default=True,
    help="Sandbox people to evaluate (0: past applications only).",
)
def rules_dry_run(item_code: str, version: int, people: int) -> None:
    """Show which decisions VERSION of ITEM_CODE would change."""
    source = current_app.extensions["miaopi.datasource"]
    directory = source if isinstance(source, SubjectDirectory) else None
    try:
        report = dry_run(
            item_code,
            version,
            source=source,
            directory=directory,
            now=utcnow(),
            people=people,
        )
    except GovCoreError as error:
        fail(error)
    click.echo(f"in force: {report.current}\ncandidate: {report.candidate}")
    click.echo(
        f"past automated decisions: {report.past}; "
        f"sandbox people: {report.population}"
    )
    if not report.flips:
        click.echo("no decision would change")
    for (before, after), count in sorted(report.flips.items()):
        examples = ", ".join(report.examples[(before, after)])
        click.echo(f"  {before:8} -> {after:8} {count:5}   e.g. {examples}")
    click.echo(
        "note: past snapshots hold only the sources the old rules read; "
        "population runs have no form values"
    )


@reviews_cli.command("list")
@click.option("--department", help="Department code, e.g. lh-mz.")
def reviews_list(department: str | None) -> None:
    """Open review tasks, the oldest due first."""
    for task in decisions.open_tasks(department):
        application = task.application
        click.echo(
            f"{task.public_id}  due {task.due_on}  {task.kind:17} "
            f"{application.reference_no}  {application.item_version.spec.name}  "
            f"{task.reason[:60]}"
        )


@reviews_cli.command("decide")
@click.argument("task_id")
@click.option("--approve/--refuse", required=True)
@click.option("--reason", default="", help="Required when refusing.")
@click.option("--staff", "staff_id", required=True, help="The reviewer's staff id.")
def reviews_decide(task_id: str, approve: bool, reason: str, staff_id: str) -> None:
    """Approve or refuse the application of an open task."""
    try:
        decision = decisions.review(
            task_id,
            staff_id=staff_id,
            approve=approve,
            reason=reason,
            documents=documents(),
            now=utcnow(),
        )
    except GovCoreError as error:
        fail(error)
    click.echo(f"{decision.application.reference_no}: {decision.outcome}")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Check the hash chain: exit 1 naming the first changed or orphaned event."""
    broken = audit.verify_chain()
    count = db.session.scalar(sa.select(sa.func.count(audit.AuditEvent.id)))
    if broken is not None:
        click.secho(
            f"audit log broken at event {broken}: it was changed, or an event "
            "before it was deleted",
            fg="red",
            err=True,
        )
        sys.exit(1)
    click.echo(f"audit log intact: {count} events")


@audit_cli.command("grants")
@click.argument("role")
@click.option("--schema", default="public", show_default=True)
@click.option("--apply", "apply_", is_flag=True, help="Run them (as the owner).")
def audit_grants(role: str, schema: str, apply_: bool) -> None:
    """The PostgreSQL privileges of the app's ROLE: its tables, but the audit
    log append-only (no UPDATE, DELETE, TRUNCATE). Printed, or run."""
    try:
        statements = app_role_grants(role, schema)
    except ValueError as error:
        fail(GovCoreError(str(error)))
    if apply_:
        if db.engine.dialect.name != "postgresql":
            fail(GovCoreError("privileges are for PostgreSQL"))
        for statement in statements:
            db.session.execute(sa.text(statement))
        db.session.commit()
    for statement in statements:
        click.echo(statement + ";")


def init_app(app: Flask) -> None:
    app.cli.add_command(audit_cli)
    app.cli.add_command(reviews_cli)
    app.cli.add_command(rules_cli)
    app.cli.add_command(applications_cli)
    app.cli.add_command(catalog_cli)
    app.cli.add_command(sandbox_cli)
    from webapp import devices, notifications, staff_cli, standalone, terminals_cli
    from webapp import supervision_cli

    app.cli.add_command(standalone.standalone_cli)
    app.cli.add_command(staff_cli.staff_cli)
    app.cli.add_command(terminals_cli.terminals_cli)
    app.cli.add_command(devices.devices_cli)
    app.cli.add_command(notifications.notifications_cli)
    app.cli.add_command(supervision_cli.supervision_cli)
