"""Wire schemas: what the workstation's sync client and the server send each other.

Not all they share: both also use the model, the formats, sealed recordings (app/sealed.py) and
the audio checks (app.audio.load, app.audio.pauses). FlagName and StatusName are the model's Flag
and Status (app/model/annotation.py) as plain strings; tests/test_protocol.py ties them.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

Role = Literal["annotator", "reviewer", "admin"]
API = "/api/v1"


def is_loopback(host: str) -> bool:
    """This machine: the one place plain http is allowed (the workstation to its server, the
    server to Label Studio or an object store); TLS everywhere else."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


LOCK_AFTER_S = 600  # a project's idle time before its workstations lock, unless it sets one


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1000)
    totp_code: str = Field(default="", max_length=10)


class Tokens(BaseModel):
    access_token: str
    refresh_token: str
    expires_in_s: int
    # a sign-in's answer: the failed sign-ins to this account since its last sign-in (someone
    # may be guessing: the workstation says so), and when the first of them was
    failed_sign_ins: int = Field(default=0, ge=0)
    failed_since: float | None = None


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=10, max_length=200)


class Me(BaseModel):
    id: str
    username: str
    role: Role
    # what unlocks a locked workstation (POST /auth/unlock): the authenticator's code, or the
    # password on a demo server, which signs in without a second factor
    unlock_with: Literal["code", "password"] = "code"


class UnlockRequest(BaseModel):
    """A locked workstation's user, proving they are back: the code from their authenticator
    app (the password instead on a demo server)."""

    totp_code: str = Field(default="", max_length=10)
    password: str = Field(default="", max_length=1000)


class ProjectOut(BaseModel):
    id: str
    name: str
    taxonomy: dict[str, Any]
    conventions: dict[str, Any]
    role: str = ""  # the caller's part in it: annotator, reviewer, lead (admin: the server's)
    # the workstation's screen: locked after this many idle seconds (0: never), and the
    # signed-in user's name and the time drawn faintly over the item
    lock_after_s: int = Field(default=LOCK_AFTER_S, ge=0)
    watermark: bool = False


class SlotOut(BaseModel):
    type: str
    start_word: int
    end_word: int


class MutedOut(BaseModel):
    start_s: float
    end_s: float
    kind: str


class TaskOut(BaseModel):
    id: str
    project_id: str
    number: int = 0  # per project, to name the item by ("Item 17"); its file name never leaves
    audio_sha256: str
    duration_s: float
    sample_rate_hz: int
    channels: int
    asr_text: str
    predicted_intent: str | None
    predicted_slots: list[SlotOut]
    lease_expires_at: float | None
    prefill: Prefill | None = None  # what a file brought; the annotation starts from it
    # stretches covered by a tone in the audio served (a project that mutes spoken data)
    muted: list[MutedOut] = []


# -- limits a server holds every client to (the README lists them) ----------------------------
LEASE_MAX = 50  # items one lease call may hold open for its caller
BATCH_MAX = 1000  # annotations in one batch put
SEGMENTS_MAX = 20_000  # segments in one annotation (an 8-hour recording, finely cut)
TEXT_MAX = 10_000  # characters in one segment's text
VERSION_MAX = 2**31 - 1  # versions, revisions and feed positions fit in 32 bits
COUNT_MAX = 1_000_000
ACTIVE_MS_MAX = 10**10  # time spent on one item: over 100 days is nonsense
FlagName = Literal[
    "not_device_directed", "personal_data", "unintelligible", "wrong_language", "distressing"
]
FLAGS_MAX = len(get_args(FlagName))  # each flag at most once
StatusName = Literal["todo", "submitted", "skipped"]
Id = Annotated[str, Field(min_length=1, max_length=36)]
# ids of annotations and reviews: lower-case UUIDs the client makes
CLIENT_ID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
ORDER = "x-earmark-order"  # a rule between two fields that JSON Schema cannot state


def _integer(value: object) -> object:
    if isinstance(value, bool | str | bytes):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


# JSON Schema's integer: 2, or 2.0 (no fraction), never true or "2" (pydantic's lax int takes
# both, and its strict int refuses 2.0)
Integer = Annotated[int, BeforeValidator(_integer)]
Number = Annotated[float, Field(strict=True)]  # a JSON number (an integer too), never true
Flag = Annotated[bool, Field(strict=True)]  # true or false, never 1 or "yes"


def ordered(first: str, then: str, strict: bool) -> dict[str, Any]:
    """The schema's statement of a rule its validators hold: `then` is greater than `first`
    (or equal, unless strict). Read by people, and by the fuzzer (tests/server/test_openapi.py)."""
    return {ORDER: [{"first": first, "then": then, "strict": strict}]}


class LeaseRequest(BaseModel):
    project_id: Id
    count: Integer = Field(ge=1, le=LEASE_MAX)


class _WordSpan(BaseModel):
    """Words start_word up to end_word, that one not included: end_word > start_word."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra=ordered("start_word", "end_word", True)
    )
    start_word: Integer = Field(ge=0, le=COUNT_MAX)
    end_word: Integer = Field(ge=0, le=COUNT_MAX)

    @model_validator(mode="after")
    def _ordered(self) -> _WordSpan:
        if self.end_word <= self.start_word:
            raise ValueError("a span ends after the word it starts at")
        return self


class SlotDoc(_WordSpan):
    type: str = Field(min_length=1, max_length=100)


# the model's app.model.spoken_data.Kind (tests/test_protocol.py holds them alike)
PersonalKind = Literal[
    "phone",
    "card",
    "number",
    "email",
    "web",
    "spelled",
    "address",
    "postcode",
    "birth_date",
    "name",
]


class PersonalSpanDoc(_WordSpan):
    """Personal data a person confirmed on these words (app/model/personal.py)."""

    kind: PersonalKind


class SegmentDoc(BaseModel):
    """A stretch of the recording, in seconds from its start: end_s >= start_s."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=ordered("start_s", "end_s", False))
    start_s: Number = Field(ge=0, le=10**7, allow_inf_nan=False)
    end_s: Number = Field(ge=0, le=10**7, allow_inf_nan=False)
    text: str = Field(default="", max_length=TEXT_MAX)
    slots: list[SlotDoc] = Field(default_factory=list, max_length=1000)
    personal: list[PersonalSpanDoc] = Field(default_factory=list, max_length=1000)

    @model_validator(mode="after")
    def _ordered(self) -> SegmentDoc:
        if self.end_s < self.start_s:
            raise ValueError("a segment ends after it starts")
        return self


class Prefill(BaseModel):
    """Segments and flags an imported file brought with a recording."""

    model_config = ConfigDict(extra="forbid")
    segments: list[SegmentDoc] = Field(default_factory=list, max_length=SEGMENTS_MAX)
    flags: list[FlagName] = Field(default_factory=list, max_length=FLAGS_MAX)


class AnnotationDoc(BaseModel):
    """An annotation as the workstation writes it (app/model/annotation.py); the server
    stores only what fits this."""

    model_config = ConfigDict(extra="forbid")
    segments: list[SegmentDoc] = Field(max_length=SEGMENTS_MAX)
    intent: str | None = Field(default=None, max_length=100)
    flags: list[FlagName] = Field(default_factory=list, max_length=FLAGS_MAX)
    status: StatusName = "todo"
    skip_reason: str = Field(default="", max_length=500)
    active_ms: Integer = Field(default=0, ge=0, le=ACTIVE_MS_MAX)
    submissions: Integer = Field(default=0, ge=0, le=COUNT_MAX)


class AnnotationPut(BaseModel):
    task_id: Id
    base_version: Integer = Field(ge=0, le=VERSION_MAX)
    doc: AnnotationDoc


class AnnotationOut(BaseModel):
    id: str
    task_id: str
    version: int
    doc: dict[str, Any]


class ErrorOut(BaseModel):
    """What a refusal says, for a person to read."""

    detail: str


class Change(BaseModel):
    seq: int
    kind: Literal["assigned", "revoked", "deleted", "annotation", "review"]
    task_id: str
    payload: dict[str, Any] = {}


class ChangesPage(BaseModel):
    changes: list[Change]
    next_since: int
    more: bool


class BatchPut(BaseModel):
    # annotation UUID -> put; the schema says no other key is taken (a pattern alone would not)
    items: dict[Annotated[str, Field(pattern=CLIENT_ID)], AnnotationPut] = Field(
        max_length=BATCH_MAX, json_schema_extra={"additionalProperties": False}
    )

    @field_validator("items", mode="before")
    @classmethod
    def _few_enough(cls, items: object) -> object:
        """Counted before any item is read: an oversized batch costs no item's validation."""
        if isinstance(items, dict) and len(items) > BATCH_MAX:
            raise ValueError(f"at most {BATCH_MAX} annotations in one batch, not {len(items)}")
        return items


class BatchResult(BaseModel):
    stored: dict[str, int]  # annotation UUID -> version now on the server
    conflicts: dict[str, AnnotationOut]
    refused: dict[str, str]


# -- second-pass review ----------------------------------------------------------------------
Outcome = Literal["accepted", "fixed", "rejected"]


class ReasonCode(BaseModel):
    code: str = Field(min_length=1, max_length=60)
    title: str = Field(min_length=1, max_length=200)


class Normalisation(BaseModel):
    """How transcripts are made comparable before WER and CER."""

    lowercase: Flag = True
    strip_punctuation: Flag = True
    drop_tags: Flag = True  # [noise], [unintelligible] and the like


REVIEW_FIRST_MAX = 100_000  # first_n: more than any annotator submits to one project
REASONS_MAX = 50  # reason codes of a project: every reviewer is sent them all


class ReviewPolicy(BaseModel):
    first_n: Integer = Field(default=10, ge=0, le=REVIEW_FIRST_MAX)  # an annotator's first N items
    rate: Number = Field(default=0.1, ge=0.0, le=1.0)  # then this share of the rest
    reasons: list[ReasonCode] = Field(
        max_length=REASONS_MAX,
        default_factory=lambda: [
            ReasonCode(code="transcript", title="Transcript wrong or incomplete"),
            ReasonCode(code="intent", title="Wrong intent"),
            ReasonCode(code="slots", title="Slots missing or wrong"),
            ReasonCode(code="flags", title="Flags missing or wrong"),
            ReasonCode(code="segments", title="Segment boundaries wrong"),
            ReasonCode(code="conventions", title="Transcription conventions not followed"),
        ],
    )
    normalisation: Normalisation = Field(default_factory=Normalisation)


class ReviewLeaseRequest(BaseModel):
    project_id: Id
    count: Integer = Field(ge=1, le=LEASE_MAX)


class ReviewItemOut(BaseModel):
    id: str
    task: TaskOut
    annotator: str
    submission: int
    doc: dict[str, Any]  # what the annotator submitted
    lease_expires_at: float | None


class ReviewPut(BaseModel):
    item_id: Id
    outcome: Outcome
    reason: str = Field(default="", max_length=60)
    comment: str = Field(default="", max_length=5000)
    start_s: Number | None = Field(default=None, ge=0, le=10**7, allow_inf_nan=False)
    end_s: Number | None = Field(default=None, ge=0, le=10**7, allow_inf_nan=False)
    doc: AnnotationDoc | None = None  # the reviewer's corrected version (fixed)


class ReviewOut(BaseModel):
    id: str
    item_id: str
    outcome: Outcome
    reason: str
    comment: str


class DayFigure(BaseModel):
    day: str  # YYYY-MM-DD (UTC)
    wer: float | None
    items: int


class Figures(BaseModel):
    """Quality of one annotator's reviewed work (or a whole project's)."""

    items_submitted: int = 0
    items_reviewed: int = 0
    accepted: int = 0
    fixed: int = 0
    rejected: int = 0
    wer: float | None = None
    cer: float | None = None
    intent_accuracy: float | None = None
    intent_kappa: float | None = None
    slot_precision: float | None = None
    slot_recall: float | None = None
    slot_f1: float | None = None
    # personal-data spans, compared like slots: (kind, words) per item
    personal_precision: float | None = None
    personal_recall: float | None = None
    personal_f1: float | None = None
    flag_agreement: float | None = None
    seconds_per_item: float | None = None
    items_per_hour: float | None = None
    wer_by_day: list[DayFigure] = []


class Confusion(BaseModel):
    labels: list[str]
    counts: list[list[int]]  # counts[annotator's intent][reference intent]


class QualityOut(BaseModel):
    project: Figures
    annotators: dict[str, Figures]  # by user name
    intent_confusion: Confusion


TaskOut.model_rebuild()  # its prefill is declared below it
