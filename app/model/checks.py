"""What blocks a submission: convention problems, a missing or unknown intent, unknown slots."""

from __future__ import annotations

from app.model.annotation import Annotation, Flag
from app.model.conventions import Conventions, check_transcript
from app.model.taxonomy import Taxonomy

# With one of these flags there may be nothing to label.
NO_INTENT_NEEDED = {Flag.NOT_DEVICE_DIRECTED, Flag.UNINTELLIGIBLE, Flag.WRONG_LANGUAGE}


def submission_problems(
    a: Annotation, conv: Conventions, taxonomy: Taxonomy, intent_key: str = ""
) -> list[str]:
    """Sentences that say what to fix; `intent_key` is the key that picks an intent, as the
    keymap binds it."""
    out: list[str] = []
    many = len(a.segments) > 1
    for k, seg in enumerate(a.segments):
        where = f"Segment {k + 1}: " if many else ""
        out.extend(f"{where}{p.message}" for p in check_transcript(seg.text, conv))
        out.extend(
            f"{where}Slot type '{s.type}' is not in the taxonomy."
            for s in seg.slots
            if s.type not in taxonomy.slot_types
        )
    if a.intent is None:
        if not a.flags & NO_INTENT_NEEDED:
            key = f" ({intent_key})" if intent_key else ""
            out.append(f"Pick an intent{key}, or flag the item as not device-directed.")
    elif a.intent not in taxonomy.intents:
        out.append(f"Intent '{a.intent}' is not in the taxonomy.")
    return out
