"""The one module that turns keymap bindings into QActions."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar, QWidget

from app.keymap import Cmd, Keymap, Scope


class Actions:
    """One QAction per command and scope; handlers take no arguments."""

    def __init__(
        self,
        keymap: Keymap,
        window: QWidget,
        listen_widgets: list[QWidget],
        typing_widgets: list[QWidget],
    ) -> None:
        self.keymap = keymap
        self.window = window
        self.listen_widgets = listen_widgets
        self.typing_widgets = typing_widgets
        self.actions: dict[tuple[Cmd, Scope], QAction] = {}
        self._handlers: dict[Cmd, Callable[[], None]] = {}
        self.rebuild(keymap)

    def on(self, cmd: Cmd, handler: Callable[[], None]) -> None:
        self._handlers[cmd] = handler

    def trigger(self, cmd: Cmd) -> None:
        handler = self._handlers.get(cmd)
        if handler is not None:
            handler()

    def rebuild(self, keymap: Keymap) -> None:
        for (_cmd, scope), action in self.actions.items():
            for w in self._hosts(scope):
                w.removeAction(action)
            action.deleteLater()
        self.actions.clear()
        self.keymap = keymap
        for b in keymap.bindings():
            for scope, keys in b.keys.items():
                if not keys:
                    continue
                action = QAction(b.title, self.window)
                action.setShortcuts([QKeySequence(k) for k in keys])
                action.setAutoRepeat(False)
                cmd = b.cmd
                action.triggered.connect(lambda _checked=False, c=cmd: self.trigger(c))
                action.setShortcutContext(
                    Qt.ShortcutContext.WindowShortcut
                    if scope == Scope.GLOBAL
                    else Qt.ShortcutContext.WidgetWithChildrenShortcut
                )
                for w in self._hosts(scope):
                    w.addAction(action)
                self.actions[(cmd, scope)] = action

    def fill_menus(self, menubar: QMenuBar) -> None:
        """One menu per keymap group, every command in it: the keys are discoverable."""
        menubar.clear()
        menus: dict[str, QMenu] = {}
        for b in self.keymap.bindings():
            menu = menus.get(b.group)
            if menu is None:
                menu = menus[b.group] = menubar.addMenu(b.group)
            item = menu.addAction(b.title)
            keys = b.keys.get(Scope.GLOBAL) or b.keys.get(Scope.LISTEN) or ()
            if keys:
                # shown, not bound: the real shortcut lives on the scoped action
                item.setText(f"{b.title}\t{keys[0]}")
            cmd = b.cmd
            item.triggered.connect(lambda _checked=False, c=cmd: self.trigger(c))

    def _hosts(self, scope: Scope) -> list[QWidget]:
        if scope == Scope.GLOBAL:
            return [self.window]
        return self.listen_widgets if scope == Scope.LISTEN else self.typing_widgets

    def global_sequences(self) -> set[str]:
        """Key sequences the transcript box must leave to the window (e.g. Ctrl+Z)."""
        out: set[str] = set()
        for b in self.keymap.bindings():
            for k in b.keys.get(Scope.GLOBAL, ()):
                out.add(QKeySequence(k).toString(QKeySequence.SequenceFormat.PortableText))
        return out

    def hint(self, cmd: Cmd) -> str:
        keys = self.keymap.keys(cmd, Scope.GLOBAL) or self.keymap.keys(cmd, Scope.LISTEN)
        return keys[0] if keys else ""
