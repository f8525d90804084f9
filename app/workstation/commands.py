"""What each command does: small handlers over the editor, the player and the window, in
tables that a mode puts together (modes.py): the editing every mode shares, submitting and
skipping, what a server's project adds, and resolving a conflict."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from app.audio.pauses import PauseSettings, speech_spans
from app.audio.source import MIX
from app.keymap import INTENT_CMDS, TAG_CMDS, Cmd
from app.model import annotation as ops
from app.model import conventions
from app.model.slots import Slot, words_in_chars
from app.model.words import word_at_char
from app.ui.actions import Handler
from app.ui.dialogs import SKIP_REASONS
from app.ui.labels_panel import FLAG_CMDS
from app.ui.main_window import Part
from app.workstation.controller import Controller
from app.workstation.editor import Editor
from app.workstation.personal_controls import personal_data

if TYPE_CHECKING:  # a server's project only: imported by the composition root when one opens
    from app.workstation.server_sync import ServerSync

FINE_S, COARSE_S = 0.010, 0.050
ZOOM_STEP = 1.5
Table = dict[Cmd, Handler]


class DuplicateCommand(Exception):
    pass


def merge(*tables: Table) -> Table:
    """One table from several; a command in two of them is an error, never a silent win."""
    out: Table = {}
    for table in tables:
        twice = set(out) & set(table)
        if twice:
            raise DuplicateCommand(", ".join(sorted(c.value for c in twice)) + " handled twice")
        out.update(table)
    return out


def editing(c: Controller) -> Table:
    """What every mode shares: listening, segments, labels, moving around."""
    return merge(
        listening(c),
        words(c),
        segments(c),
        labelling(c),
        with_activity(c.editor, personal_data(c)),
        moving(c),
    )


def listening(c: Controller) -> Table:
    """Play, loop, replay, skip, speed, channel, zoom, spectrogram."""
    e, p, w = c.editor, c.player, c.window
    segment, play_segment = c.segment, c.play_segment

    def play_pause() -> None:
        if p.playing:
            p.pause()
            return
        start = p.position_s()
        if start >= p.duration_s - 0.01:
            seg = segment()
            start = seg.start_s if seg else 0.0
        p.play(start)

    def toggle_loop() -> None:
        p.loop = not p.loop
        if p.playing and p.loop:
            play_segment()
        p.state_changed.emit()
        w.say("Loop on: segments repeat until you stop them." if p.loop else "Loop off.")

    def replay_last() -> None:
        now = p.position_s()
        p.play(max(0.0, now - c.prefs.replay_s), now if now > 0 else None)

    def skip(sign: int) -> None:
        p.seek(p.position_s() + sign * c.prefs.skip_s)

    def toggle_rewind() -> None:
        on = 0.0 if c.prefs.rewind_on_pause_s else c.prefs.rewind_when_on_s
        c.set_prefs(replace(c.prefs, rewind_on_pause_s=on))
        w.say(f"Rewind on pause: {on:.1f} s." if on else "Rewind on pause off.")

    def next_channel() -> None:
        clip = c.clip
        if clip is None or clip.channels == 1:
            w.say("This recording has one channel.")
            return
        order = [MIX, *range(clip.channels)]
        c.channel = order[(order.index(c.channel) + 1) % len(order)]
        p.set_channel(c.channel)
        w.waveform.set_listening(c.channel)
        w.say(
            "Listening to the mix."
            if c.channel == MIX
            else f"Listening to channel {c.channel + 1} of {clip.channels} alone."
        )
        c.show_playback()

    return with_activity(
        e,
        {
            Cmd.PLAY_PAUSE: play_pause,
            Cmd.PLAY_SEGMENT: play_segment,
            Cmd.TOGGLE_LOOP: toggle_loop,
            Cmd.REPLAY_LAST: replay_last,
            Cmd.SKIP_BACK: lambda: skip(-1),
            Cmd.SKIP_FORWARD: lambda: skip(1),
            Cmd.SLOWER: lambda: p.step_speed(-1),
            Cmd.FASTER: lambda: p.step_speed(1),
            Cmd.NORMAL_SPEED: lambda: p.set_speed(1.0),
            Cmd.TOGGLE_REWIND_ON_PAUSE: toggle_rewind,
            Cmd.NEXT_CHANNEL: next_channel,
            Cmd.ZOOM_IN: lambda: w.waveform.zoom(ZOOM_STEP, p.position_s()),
            Cmd.ZOOM_OUT: lambda: w.waveform.zoom(1 / ZOOM_STEP, p.position_s()),
            Cmd.ZOOM_ALL: w.waveform.show_all,
            Cmd.VIEW_BACK: lambda: w.waveform.page(-1),
            Cmd.VIEW_FORWARD: lambda: w.waveform.page(1),
            Cmd.TOGGLE_SPECTROGRAM: c.toggle_spectrogram,
        },
    )


def words(c: Controller) -> Table:
    """Play from the word at the caret; the caret following the word being heard."""
    p, w = c.player, c.window

    def play_from_word() -> None:
        seg = c.segment()
        if seg is None:
            return
        k = word_at_char(seg.text, w.transcript.caret())
        aligned = c.words.words(c.clip, seg)
        if c.words.unavailable or aligned is None or k is None:
            why = c.words.unavailable or "The words of this segment are not aligned yet."
            w.say(f"{why} Playing the segment from its start.")
            c.play_segment()
            return
        start_s, word = aligned.play_from(k)
        p.play(start_s, seg.end_s)
        target = aligned.word(k)
        if word is None and target is not None:
            w.say(f"“{target.word}” is not placed in the audio; playing from the word before it.")

    def toggle_follow() -> None:
        on = not c.prefs.caret_follows_playhead
        c.set_prefs(replace(c.prefs, caret_follows_playhead=on))
        w.say(
            "The caret follows the word being heard while playing."
            if on
            else "The caret stays where you type."
        )

    return with_activity(
        c.editor,
        {Cmd.PLAY_FROM_WORD: play_from_word, Cmd.CARET_FOLLOWS_PLAYHEAD: toggle_follow},
    )


def segments(c: Controller) -> Table:
    """Split, merge, delete, move between segments, nudge their boundaries."""
    e, p, w = c.editor, c.player, c.window
    segment = c.segment

    def split() -> None:
        caret = w.transcript.caret() if w.transcript.typing() else None
        c.apply("Split", ops.split_segment, p.position_s(), caret)

    def go_segment(step: int) -> None:
        ann = e.annotation
        if ann is None:
            return
        k = max(0, min(len(ann.segments) - 1, e.segment + step))
        e.select_segment(k)
        seg = ann.segments[k]
        w.waveform.ensure_visible(seg.start_s, seg.end_s)
        p.play(seg.start_s, seg.end_s)

    def nudge(edge: str, delta_s: float) -> None:
        seg = segment()
        if seg is None:
            return
        at = (seg.start_s if edge == "start" else seg.end_s) + delta_s
        if c.apply("Nudge boundary", ops.move_boundary, e.segment, edge, at, p.duration_s):
            moved = segment()
            if moved is not None:
                t = moved.start_s if edge == "start" else moved.end_s
                half = c.prefs.nudge_replay_s
                p.play(max(0.0, t - half), t + half)

    last_settings = [PauseSettings()]  # the dialog opens with what was used last

    def from_pauses() -> None:
        clip = c.clip
        if clip is None:
            w.say("The recording is still loading; segments from pauses need its waveform.")
            return
        base = clip.pyramid(MIX).levels[0]  # the waveform's own peak data: no decoding
        x0, x1 = w.waveform.visible_range()
        whole = x1 - x0 >= 0.98 * clip.duration_s
        start, end = (0.0, clip.duration_s) if whole else (max(0.0, x0), min(clip.duration_s, x1))
        where = (
            "the whole recording"
            if whole
            else f"what is in view ({start:.1f}–{end:.1f} s; zoom out for the whole recording)"
        )

        def propose(settings: PauseSettings) -> list[tuple[float, float]]:
            return speech_spans(
                base.mins, base.maxs, base.block, clip.sample_rate_hz, settings, start, end
            )

        answer = w.ask_pauses(where, propose, last_settings[0])
        if answer is None:
            return
        last_settings[0], spans = answer
        if c.apply("Segments from pauses", ops.segments_from_spans, spans, start, end):
            w.say(f"{len(spans)} segment(s) proposed from pauses (undo takes them back).")

    return with_activity(
        e,
        {
            Cmd.SPLIT: split,
            Cmd.SEGMENTS_FROM_PAUSES: from_pauses,
            Cmd.MERGE_NEXT: lambda: c.apply("Merge", ops.merge_with_next, e.segment),
            Cmd.DELETE_SEGMENT: lambda: c.apply("Delete segment", ops.delete_segment, e.segment),
            Cmd.PREV_SEGMENT: lambda: go_segment(-1),
            Cmd.NEXT_SEGMENT: lambda: go_segment(1),
            Cmd.START_EARLIER: lambda: nudge("start", -FINE_S),
            Cmd.START_LATER: lambda: nudge("start", FINE_S),
            Cmd.END_EARLIER: lambda: nudge("end", -FINE_S),
            Cmd.END_LATER: lambda: nudge("end", FINE_S),
            Cmd.START_EARLIER_MORE: lambda: nudge("start", -COARSE_S),
            Cmd.START_LATER_MORE: lambda: nudge("start", COARSE_S),
            Cmd.END_EARLIER_MORE: lambda: nudge("end", -COARSE_S),
            Cmd.END_LATER_MORE: lambda: nudge("end", COARSE_S),
        },
    )


def labelling(c: Controller) -> Table:
    """Intent (filter, digits), slots, flags, tags of the conventions."""
    e, w = c.editor, c.window
    segment = c.segment

    def mark_slot() -> None:
        seg = segment()
        if seg is None:
            return
        lo, hi = w.transcript.selection()
        span = words_in_chars(seg.text, lo, hi)
        if span is None:
            w.say("Select the words of the slot in the transcript first.", error=True)
            return
        choice = w.ask_choice("Slot type", list(c.project.taxonomy.slot_types))
        if choice:
            c.apply("Mark slot", ops.add_slot, e.segment, Slot(choice, span[0], span[1]))

    def remove_slot() -> None:
        seg = segment()
        caret = w.transcript.caret()
        span = None if seg is None else words_in_chars(seg.text, caret, caret)
        if span is None:
            w.say("Put the caret on a slot's word to remove the slot.", error=True)
            return
        c.apply("Remove slot", ops.remove_slots_at, e.segment, span[0])

    def pick_intent_digit(k: int) -> None:
        if k < len(c.most_used):
            c.apply("Intent", ops.set_intent, c.most_used[k])

    def insert_tag(k: int) -> None:
        """One edit and one undo step of its own, never merged with the typing around it."""
        tags, seg = c.project.conventions.tags, segment()
        if k >= len(tags) or seg is None:
            return
        lo, hi = w.transcript.selection()
        text, caret = conventions.insert_tag(seg.text, lo, hi, tags[k].text)
        if c.apply("Insert tag", ops.set_text, e.segment, text):
            w.focus(Part.TRANSCRIPT)
            w.transcript.set_caret(caret)

    table: dict[Cmd, Callable[[], object]] = {
        Cmd.PICK_INTENT: w.labels.start_picking,
        Cmd.MARK_SLOT: mark_slot,
        Cmd.REMOVE_SLOT: remove_slot,
    }
    for cmd, flag in FLAG_CMDS.items():
        table[cmd] = functools.partial(c.apply, "Flag", ops.toggle_flag, flag)
    for k, cmd in enumerate(INTENT_CMDS):
        table[cmd] = functools.partial(pick_intent_digit, k)
    for k, cmd in enumerate(TAG_CMDS):
        table[cmd] = functools.partial(insert_tag, k)
    return with_activity(e, table)


def moving(c: Controller) -> Table:
    """Focus, previous and next item, undo and redo, the cheat sheet and key preferences."""
    e, w = c.editor, c.window

    def undo() -> None:
        label = e.undo()
        w.say(f"Undone: {label}." if label else "Nothing to undo.")

    def redo() -> None:
        label = e.redo()
        w.say(f"Redone: {label}." if label else "Nothing to redo.")

    def key_preferences() -> None:
        keymap = w.ask_keymap(c.keymap)
        if keymap is not None:
            c.set_keymap(keymap)
            w.say(f"Keys: preset {keymap.preset}, {len(keymap.overrides)} change(s).")

    return with_activity(
        e,
        {
            Cmd.FOCUS_WAVEFORM: lambda: w.focus(Part.WAVEFORM),
            Cmd.FOCUS_TRANSCRIPT: lambda: w.focus(Part.TRANSCRIPT),
            Cmd.FOCUS_QUEUE: lambda: w.focus(Part.QUEUE),
            Cmd.PREV_ITEM: lambda: e.next_task(-1),
            Cmd.NEXT_ITEM: lambda: e.next_task(1),
            Cmd.UNDO: undo,
            Cmd.REDO: redo,
            Cmd.CHEAT_SHEET: lambda: w.show_cheat_sheet(c.keymap, c.actions.available),
            Cmd.KEY_PREFERENCES: key_preferences,
        },
    )


def annotating(c: Controller, sync: ServerSync | None) -> Table:
    """Submit and next, skip: an annotator's work (on a server, a submit is sent at once)."""
    e, w = c.editor, c.window

    def sent_at_once() -> None:
        if sync is not None:
            sync.sync_now()

    def submit() -> None:
        c.submitted_at = time.perf_counter()
        if e.submit_and_next(c.check):
            w.say("Submitted.")
            w.focus(Part.TRANSCRIPT)
            c.play_segment()
            sent_at_once()
        else:
            c.submitted_at = None

    def skip_item() -> None:
        reason = w.ask_choice("Why skip this item?", list(SKIP_REASONS), free_text=True)
        c.submitted_at = time.perf_counter()
        if reason and e.skip_and_next(reason):
            w.say(f"Skipped: {reason}.")
            sent_at_once()

    return with_activity(
        e,
        {
            Cmd.SUBMIT_NEXT: submit,
            Cmd.SKIP_ITEM: skip_item,
            Cmd.DRAFT_TRANSCRIPT: lambda: c.drafts.toggle(c.clip),
        },
    )


def on_server(
    c: Controller, sync: ServerSync, sign_out: Callable[[], None], lock: Callable[[], None]
) -> Table:
    """Sync now; sign out (the session revoked there, the secrets and cache gone here); lock
    the window now (the second factor unlocks it)."""
    table = {Cmd.SYNC_NOW: sync.sync_now, Cmd.SIGN_OUT: sign_out}
    return {**with_activity(c.editor, table), Cmd.LOCK: lock}


def resolving(c: Controller, sync: ServerSync) -> Table:
    """A conflict with the server's version: keep mine, or take theirs; and what a reviewer
    who sent the item back pointed at, played."""

    def play_review_span() -> None:
        span = sync.review_span()
        if span is None:
            c.window.say("No reviewer's comment on this item is about a time range.")
            return
        c.player.play(*span)
        c.window.say(f"Playing {span[0]:.2f}–{span[1]:.2f} s, the range the reviewer pointed at.")

    return with_activity(
        c.editor,
        {
            Cmd.KEEP_MINE: lambda: sync.resolve_conflict(keep_mine=True),
            Cmd.TAKE_THEIRS: lambda: sync.resolve_conflict(keep_mine=False),
            Cmd.PLAY_REVIEW_SPAN: play_review_span,
        },
    )


def with_activity(editor: Editor, table: Mapping[Cmd, Callable[[], object]]) -> Table:
    """Every command counts as work for the item's timer."""

    def counted(handler: Callable[[], object]) -> Handler:
        def run() -> None:
            editor.note_activity()
            handler()

        return run

    return {cmd: counted(h) for cmd, h in table.items()}
