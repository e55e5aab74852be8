"""Liveness and readiness probes for load balancers and the terminal agent."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app
from sqlalchemy.exc import SQLAlchemyError

import govcore
from govcore.db import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """The process is up; says nothing about its dependencies."""
    return {
        "status": "ok",
        "role": current_app.config["ROLE"],
        "version": govcore.__version__,
    }


@bp.get("/readyz")
def readyz():
    """The process can serve: the database answers."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.warning("readiness check: database unavailable")
        return {"status": "unavailable", "database": "down"}, 503
    return {"status": "ready", "database": "ok"}
