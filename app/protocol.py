"""Wire schemas: what the workstation's sync client and the server send each other.

Not all they share: both also use the model, the formats, sealed recordings (app/sealed.py) and
the audio checks (app.audio.load, app.audio.pauses). FlagName and StatusName are the model's Flag
and Status (app/model/annotation.py) as plain strings; tests/test_protocol.py ties them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

Role = Literal["annotator", "reviewer", "admin"]
API = "/api/v1"


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1000)
    totp_code: str = Field(default="", max_length=10)


class Tokens(BaseModel):
    access_token: str
    refresh_token: str
    expires_in_s: int


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=10, max_length=200)


class Me(BaseModel):
    id: str
    username: str
    role: Role


class ProjectOut(BaseModel):
    id: str
    name: str
    taxonomy: dict[str, Any]
    conventions: dict[str, Any]
    role: str = ""  # the caller's part in it: annotator, reviewer, lead (admin: the server's)


class SlotOut(BaseModel):
    type: str
    start_word: int
    end_word: int


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


class LeaseRequest(BaseModel):
    project_id: Id
    count: int = Field(ge=1, le=LEASE_MAX)


class SlotDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: str = Field(min_length=1, max_length=100)
    start_word: int = Field(ge=0, le=COUNT_MAX)
    end_word: int = Field(ge=0, le=COUNT_MAX)

    @model_validator(mode="after")
    def _ordered(self) -> SlotDoc:
        if self.end_word <= self.start_word:
            raise ValueError("a slot ends after the word it starts at")
        return self


class SegmentDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start_s: float = Field(ge=0, le=10**7, allow_inf_nan=False)
    end_s: float = Field(ge=0, le=10**7, allow_inf_nan=False)
    text: str = Field(default="", max_length=TEXT_MAX)
    slots: list[SlotDoc] = Field(default_factory=list, max_length=1000)

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
    active_ms: int = Field(default=0, ge=0, le=ACTIVE_MS_MAX)
    submissions: int = Field(default=0, ge=0, le=COUNT_MAX)


class AnnotationPut(BaseModel):
    task_id: Id
    base_version: int = Field(ge=0, le=VERSION_MAX)
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
    items: dict[str, AnnotationPut] = Field(max_length=BATCH_MAX)  # annotation UUID -> put


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

    lowercase: bool = True
    strip_punctuation: bool = True
    drop_tags: bool = True  # [noise], [unintelligible] and the like


class ReviewPolicy(BaseModel):
    first_n: int = Field(default=10, ge=0)  # every one of an annotator's first N submissions
    rate: float = Field(default=0.1, ge=0.0, le=1.0)  # then this share of the rest
    reasons: list[ReasonCode] = Field(
        default_factory=lambda: [
            ReasonCode(code="transcript", title="Transcript wrong or incomplete"),
            ReasonCode(code="intent", title="Wrong intent"),
            ReasonCode(code="slots", title="Slots missing or wrong"),
            ReasonCode(code="flags", title="Flags missing or wrong"),
            ReasonCode(code="segments", title="Segment boundaries wrong"),
            ReasonCode(code="conventions", title="Transcription conventions not followed"),
        ]
    )
    normalisation: Normalisation = Field(default_factory=Normalisation)


class ReviewLeaseRequest(BaseModel):
    project_id: Id
    count: int = Field(ge=1, le=LEASE_MAX)


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
    start_s: float | None = Field(default=None, ge=0, le=10**7, allow_inf_nan=False)
    end_s: float | None = Field(default=None, ge=0, le=10**7, allow_inf_nan=False)
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
