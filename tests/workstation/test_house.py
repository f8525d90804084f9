"""The control code (app/workstation) speaks to the widgets only through their own methods:
no Qt widget method (camelCase: setText, setFocus, isVisible, toPlainText...) is called from
it, and no widget's inner parts (the transcript's text box, the queue's list, the banner, the
status labels) are reached into. import-linter keeps the imports apart (pyproject.toml); this
keeps the calls apart."""

from __future__ import annotations

import ast
import re
from pathlib import Path

CONTROL = Path(__file__).resolve().parents[2] / "app" / "workstation"
# Qt calls the control code may make on what is not a widget: its timers, and logging's
ALLOWED = {"setInterval", "setSingleShot", "isActive", "singleShot", "getLogger"}
# the window's and panels' inner widgets
INNER = {"edit", "list", "banner", "item_title", "split", "range_db", "message", "saved"}
NOT_CONTROL = {"player.py", "pedals.py", "syslibs.py"}  # the sound card, the HID device
NOT_CONTROL_DIRS = {"store", "sync"}  # no widgets there at all (import-linter keeps Qt out)


def reach_ins(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Attribute):
            continue
        camel = re.match(r"^[a-z]+[A-Z]", node.attr) and node.attr not in ALLOWED
        inner = node.attr in INNER and _on_a_widget(node.value)
        if camel or inner:
            found.append(f"line {node.lineno}: .{node.attr}")
    return found


def _on_a_widget(value: ast.expr) -> bool:
    """`x.window.banner`, `w.transcript.edit`, `self.window.split`...: an attribute of the
    window or of one of its panels."""
    names = {"window", "w", "transcript", "queue", "spectrogram", "waveform", "labels"}
    return (isinstance(value, ast.Attribute) and value.attr in names) or (
        isinstance(value, ast.Name) and value.id in names
    )


def control_modules() -> list[Path]:
    return [
        p
        for p in sorted(CONTROL.rglob("*.py"))
        if p.name not in NOT_CONTROL and not NOT_CONTROL_DIRS & set(p.relative_to(CONTROL).parts)
    ]


def test_control_code_calls_only_the_widgets_own_methods() -> None:
    modules = control_modules()
    assert {p.name for p in modules} >= {"controller.py", "commands.py", "server_sync.py"}
    found = {p.name: reach_ins(p.read_text()) for p in modules}
    assert {name: lines for name, lines in found.items() if lines} == {}


def test_the_check_sees_a_reach_in() -> None:
    bad = (
        "def f(c):\n"
        "    c.window.banner.text()\n"
        "    c.window.transcript.edit.caret()\n"
        "    c.window.sync.setText('x')\n"
    )
    assert sorted(reach_ins(bad)) == ["line 2: .banner", "line 3: .edit", "line 4: .setText"]
