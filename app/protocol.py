"""Wire schemas shared by the workstation's sync client and the server: nothing else is shared."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

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


class LeaseRequest(BaseModel):
    project_id: str
    count: int = Field(ge=1, le=100)


class AnnotationPut(BaseModel):
    task_id: str
    base_version: int = Field(ge=0)
    doc: dict[str, Any]


class AnnotationOut(BaseModel):
    id: str
    task_id: str
    version: int
    doc: dict[str, Any]


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
    items: dict[str, AnnotationPut]  # annotation UUID -> put


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
    project_id: str
    count: int = Field(ge=1, le=100)


class ReviewItemOut(BaseModel):
    id: str
    task: TaskOut
    annotator: str
    submission: int
    doc: dict[str, Any]  # what the annotator submitted
    lease_expires_at: float | None


class ReviewPut(BaseModel):
    item_id: str
    outcome: Outcome
    reason: str = Field(default="", max_length=60)
    comment: str = Field(default="", max_length=5000)
    start_s: float | None = Field(default=None, ge=0)  # the comment's time range
    end_s: float | None = Field(default=None, ge=0)
    doc: dict[str, Any] | None = None  # the reviewer's corrected version (fixed)


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
