"""Applications (办件): drafts that fill themselves, materials, commitments,
容缺受理, hand-off, submission and the state machine."""

from govcore.applications.access import (
    Caller,
    get_application,
    list_applications,
)
from govcore.applications.commitments import (
    commitment_text,
    sign_commitment,
    text_digest,
)
from govcore.applications.corrections import corrections_of, request_correction
from govcore.applications.drafts import Principal, create_draft, update_fields
from govcore.applications.handoff import claim_handoff, create_handoff
from govcore.applications.maintenance import SweepReport, sweep
from govcore.applications.materials import STATE_LABELS, MaterialState, material_states
from govcore.applications.models import (
    STATUS_LABELS,
    ApplicantKind,
    Application,
    ChannelKind,
    CorrectionRequest,
    FormValue,
    MaterialKind,
    MaterialRecord,
    SignedCommitment,
    Status,
    StatusChange,
    ValueOrigin,
)
from govcore.applications.submission import (
    add_upload,
    find_upload,
    remove_upload,
    submit,
)
from govcore.applications.transitions import TRANSITIONS, change_status
from govcore.applications.uploads import CleanImage, UploadLimits, clean_image
from govcore.applications.usage import usage_counts

__all__ = [
    "STATE_LABELS",
    "STATUS_LABELS",
    "TRANSITIONS",
    "ApplicantKind",
    "Application",
    "Caller",
    "ChannelKind",
    "CleanImage",
    "CorrectionRequest",
    "FormValue",
    "MaterialKind",
    "MaterialRecord",
    "MaterialState",
    "Principal",
    "SignedCommitment",
    "Status",
    "StatusChange",
    "SweepReport",
    "UploadLimits",
    "ValueOrigin",
    "add_upload",
    "change_status",
    "claim_handoff",
    "clean_image",
    "commitment_text",
    "corrections_of",
    "create_draft",
    "create_handoff",
    "find_upload",
    "get_application",
    "list_applications",
    "material_states",
    "remove_upload",
    "request_correction",
    "sign_commitment",
    "submit",
    "sweep",
    "text_digest",
    "usage_counts",
    "update_fields",
]
