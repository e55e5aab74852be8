"""``flask --app webapp supervision …``: post-approval checks (事后监管)."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from govcore import supervision
from govcore.clock import utcnow
from govcore.db import db
from govcore.errors import GovCoreError

supervision_cli = AppGroup("supervision", help="Post-approval checks (事后监管).")


def sample_now(actor: str = "system") -> str:
    """Draw among the approvals not yet considered; return a line for printing."""
    report = supervision.sample(
        now=utcnow(),
        actor=actor,
        calendar=current_app.extensions["miaopi.calendar"],
        policy=supervision.SamplingPolicy.from_config(current_app.config),
    )
    if report.run is None:
        return "supervision sampling: nothing to consider"
    return (
        f"supervision sampling {report.run.public_id}: {report.considered} "
        f"considered, {report.risk_flagged} with risk flags, "
        f"{report.selected} selected for checking"
    )


@supervision_cli.command("sample")
def sample_command() -> None:
    """Draw the approvals made on a commitment that are to be checked."""
    try:
        click.echo(sample_now("cli"))
    except GovCoreError as error:
        click.secho(error.message, fg="red", err=True)
        sys.exit(1)


@supervision_cli.command("recompute")
@click.argument("run_id")
def recompute_command(run_id: str) -> None:
    """Recompute a run from its seed; exit 1 if a stored draw differs."""
    run = db.session.scalar(
        sa.select(supervision.SamplingRun).where(
            supervision.SamplingRun.public_id == run_id
        )
    )
    if run is None:
        click.secho(f"no sampling run {run_id}", fg="red", err=True)
        sys.exit(1)
    mismatches = supervision.recompute(run)
    for m in mismatches:
        click.echo(f"{m.check_id} {m.field}: stored {m.stored}, expected {m.expected}")
    click.echo(f"{len(run.checks)} draws recomputed, {len(mismatches)} mismatches")
    sys.exit(1 if mismatches else 0)
