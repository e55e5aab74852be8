"""The database privileges of the application's role on PostgreSQL.

The application reads and writes its tables, but the audit log is append-
only for it: ``INSERT`` and ``SELECT`` on ``audit_event``, no ``UPDATE``,
``DELETE`` or ``TRUNCATE``. Migrations run as the schema's owner (another
role); the application connects as the role these statements are for, so a
compromised application cannot rewrite its own history. See docs/audit.md.
"""

from __future__ import annotations

import re

ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def app_role_grants(role: str, schema: str) -> list[str]:
    """The statements that give ``role`` the application's privileges on
    ``schema``, with the audit log append-only.

    :raise ValueError: for a role or schema name that is not a plain
        lower-case identifier (they are written into SQL).
    """
    for name in (role, schema):
        if not ROLE_NAME.fullmatch(name):
            raise ValueError(f"not a plain identifier: {name!r}")
    return [
        f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"',
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" '
        f'TO "{role}"',
        f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO "{role}"',
        f'REVOKE UPDATE, DELETE, TRUNCATE ON "{schema}".audit_event FROM "{role}"',
    ]
