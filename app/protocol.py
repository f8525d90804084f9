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


class ConflictOut(BaseModel):
    detail: str
    server: AnnotationOut


class Change(BaseModel):
    seq: int
    kind: Literal["assigned", "revoked", "deleted", "annotation"]
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
