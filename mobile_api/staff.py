"""The staff API at /api/v1/staff/: two-factor login and the review desk.

Staff tokens are a separate kind from citizens' tokens (another table), so
neither opens the other's endpoints. Reviewers see masked personal data here;
the full record is for the back-office console, where each look is audited.
"""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask.views import MethodView
from mobile_api.blueprint import Blueprint

from govcore import decisions, staff
from govcore.clock import local_date, utcnow
from govcore.db import db
from govcore.decisions.models import ReviewTask
from govcore.errors import AuthenticationError
from govcore.staff import StaffAccount, StaffSession
from govcore.staff.roles import roles_label
from mobile_api.present import (
    application_detail,
    application_summary,
    decision_detail,
)
from mobile_api.services import documents
from mobile_api.schemas import (
    error_responses,
    DecisionSchema,
    ReviewDecisionSchema,
    RevocationSchema,
    RevokedSchema,
    StaffLoginSchema,
    StaffSchema,
    StaffTaskDetailSchema,
    StaffTaskListSchema,
    StaffTokenSchema,
    TaskQuerySchema,
)

blp = Blueprint(
    "staff",
    __name__,
    url_prefix="/api/v1/staff",
    description="工作人员：登录与人工审核",
)
STAFF_BEARER = [{"staffBearer": []}]
PUBLIC_ENDPOINTS = {"staff.login"}


@blp.before_request
def require_staff_login() -> None:
    """Authenticate before any parsing of the body, except on the login itself."""
    if request.endpoint not in PUBLIC_ENDPOINTS:
        g.staff_session = current_staff_session()


def current_staff_session() -> StaffSession:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("请先登录（missing bearer token）")
    session = staff.resolve_session(token.strip(), now=utcnow())
    if db.session.is_modified(session):
        db.session.commit()
    return session


def current_account() -> StaffAccount:
    return g.staff_session.account


def _staff(account: StaffAccount) -> dict[str, Any]:
    return {
        "username": account.username,
        "display_name": account.display_name,
        "roles": sorted(account.role_set),
        "role_label": roles_label(account.roles),
        "department": account.department.code if account.department else None,
    }


def _task(task: ReviewTask) -> dict[str, Any]:
    return {
        "id": task.public_id,
        "kind": task.kind,
        "status": task.status,
        "reason": task.reason,
        "department": task.application.item_version.item.department.code,
        "created_at": task.created_at,
        "due_on": task.due_on,
        "overdue": task.status == "open" and task.due_on < local_date(utcnow()),
        "closed_at": task.closed_at,
        "result": task.result,
        "application": application_summary(task.application),
    }


@blp.route("/login", methods=["POST"])
@blp.arguments(StaffLoginSchema)
@blp.response(201, StaffTokenSchema)
@error_responses(blp, 401, 429)
def login(credentials: dict[str, Any]) -> dict[str, Any]:
    """工作人员登录：用户名、密码和动态口令（TOTP）三者皆须正确"""
    token, session = staff.login(
        credentials["username"],
        credentials["password"],
        credentials["otp"],
        now=utcnow(),
    )
    return {
        "token": token,
        "expires_at": session.expires_at,
        "idle_timeout_seconds": session.idle_seconds,
        "staff": _staff(session.account),
    }


@blp.route("/logout", methods=["POST"])
@blp.doc(security=STAFF_BEARER)
@blp.response(204)
@error_responses(blp, 401)
def logout() -> None:
    """退出登录：令牌立即失效"""
    staff.logout(g.staff_session, now=utcnow())


@blp.route("/me")
class Me(MethodView):
    @blp.doc(security=STAFF_BEARER)
    @blp.response(200, StaffSchema)
    @error_responses(blp, 401)
    def get(self) -> dict[str, Any]:
        """当前工作人员"""
        return _staff(current_account())


@blp.route("/review-tasks")
class ReviewTasks(MethodView):
    @blp.doc(security=STAFF_BEARER)
    @blp.arguments(TaskQuerySchema, location="query")
    @blp.response(200, StaffTaskListSchema)
    @error_responses(blp, 401, 403)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """审核任务：本部门的待办（或已办）任务，最早到期的在前"""
        tasks = staff.review_desk.visible_tasks(current_account(), **query)
        return {"tasks": [_task(t) for t in tasks]}


@blp.route("/review-tasks/<string:task_id>")
class ReviewTaskDetail(MethodView):
    @blp.doc(security=STAFF_BEARER)
    @blp.response(200, StaffTaskDetailSchema)
    @error_responses(blp, 401, 403, 404)
    def get(self, task_id: str) -> dict[str, Any]:
        """审核任务详情：办件、系统核验的每项条件及比对数据"""
        task = staff.review_desk.get_task(current_account(), task_id)
        decision = decisions.latest_decision(task.application)
        return {
            **_task(task),
            "application_detail": application_detail(task.application),
            "checks": decisions.checks_for_reviewer(decision) if decision else [],
        }


@blp.route("/documents/<string:number>/revocation", methods=["POST"])
@blp.doc(security=STAFF_BEARER)
@blp.arguments(RevocationSchema)
@blp.response(200, RevokedSchema)
@error_responses(blp, 401, 403, 404, 409, 422)
def revoke(body: dict[str, Any], number: str) -> dict[str, Any]:
    """撤销本部门出具的证照或批文（核验页随即显示“已撤销”）"""
    document = staff.document_desk.revoke(
        current_account(), number, reason=body["reason"], now=utcnow()
    )
    return {
        "number": document.number,
        "status": document.status,
        "revoked_at": document.revoked_at,
        "revoke_reason": document.revoke_reason,
    }


@blp.route("/review-tasks/<string:task_id>/decision", methods=["POST"])
@blp.doc(security=STAFF_BEARER)
@blp.arguments(ReviewDecisionSchema)
@blp.response(200, DecisionSchema)
@error_responses(blp, 401, 403, 404, 409, 422)
def decide(body: dict[str, Any], task_id: str) -> dict[str, Any]:
    """作出审核决定：批准，或写明理由不予批准"""
    decision = staff.review_desk.decide(
        current_account(),
        task_id,
        approve=body["approve"],
        reason=body["reason"],
        documents=documents(),
        now=utcnow(),
    )
    return decision_detail(decision.application)
