"""The one module that turns keymap bindings into QActions.

A mode installs its handler table once (app/workstation/modes.py): every command has at most one
handler, a second one is an error, and a command with none in this mode is disabled in the
menus and ignored by its keys, and the cheat sheet says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMenuBar, QWidget

from app.keymap import Cmd, Keymap, Scope

Handler = Callable[[], None]
NOT_HERE = "not available in this mode"


class DuplicateHandler(Exception):
    """A command given two handlers: the second would silently replace the first."""


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
        self._handlers: dict[Cmd, Handler] = {}
        self._held = False  # a locked window: no command runs, by key, menu or pedal
        self._menubar: QMenuBar | None = None
        self.rebuild(keymap)

    def install(self, handlers: Mapping[Cmd, Handler]) -> None:
        """The mode's table, once; the commands it leaves out are disabled."""
        for cmd, handler in handlers.items():
            if cmd in self._handlers:
                raise DuplicateHandler(f"{cmd.value} has a handler already")
            self._handlers[cmd] = handler
        self._show_available()

    def available(self, cmd: Cmd) -> bool:
        return cmd in self._handlers and not self._held

    def hold(self, held: bool) -> None:
        """While held (the window locked), every command is disabled and ignored."""
        self._held = held
        self._show_available()

    def trigger(self, cmd: Cmd) -> None:
        handler = self._handlers.get(cmd)
        if handler is not None and not self._held:
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
        if self._menubar is not None:
            self.fill_menus(self._menubar)
        self._show_available()

    def fill_menus(self, menubar: QMenuBar | None = None) -> None:
        """One menu per keymap group, every command in it: the keys are discoverable (in the
        window's own menu bar unless another is given)."""
        if menubar is None:
            assert isinstance(self.window, QMainWindow)
            menubar = self.window.menuBar()
        self._menubar = menubar
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
            item.setData(b.cmd.value)
            cmd = b.cmd
            item.triggered.connect(lambda _checked=False, c=cmd: self.trigger(c))
        self._show_available()

    def menu_items(self) -> dict[Cmd, QAction]:
        if self._menubar is None:
            return {}
        out = {}
        for menu_action in self._menubar.actions():
            menu = menu_action.menu()
            if isinstance(menu, QMenu):
                for item in menu.actions():
                    if item.data():
                        out[Cmd(item.data())] = item
        return out

    def _show_available(self) -> None:
        if not self._handlers:
            return  # before a mode is installed, nothing is judged yet
        for (cmd, _scope), action in self.actions.items():
            action.setEnabled(self.available(cmd))
        for cmd, item in self.menu_items().items():
            item.setEnabled(self.available(cmd))
            item.setToolTip("" if cmd in self._handlers else NOT_HERE)

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
