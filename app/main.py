"""Composition root: builds each mode's long-lived objects (the store's project, editor,
player, runner, window, actions, controller, and on a server the sync and review controls)
and wires them; the controller makes its own helpers (the feeds) from what it is given.

The mode is decided here, once: `build` opens a local folder or manifest (local mode),
`build_remote` a server's project as an annotator or a reviewer. Each builds the controller
with everything it needs and installs its mode's command table (app/workstation/modes.py).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QDialog, QInputDialog, QMessageBox, QWidget

from app.keymap import Keymap
from app.ui.actions import Actions
from app.ui.application import SignalWatch, StartingView, application, show_starting
from app.ui.main_window import MainWindow
from app.workstation import account, modes
from app.workstation.controller import Controller
from app.workstation.demo import DemoServer, seed_submissions
from app.workstation.editor import Editor
from app.workstation.pedals import PedalDevice, PedalReader, open_hid_pedal
from app.workstation.player import Player
from app.workstation.project import Project, ProjectError, open_project
from app.workstation.store.db import Queue
from app.workstation.store.paths import resources_dir
from app.workstation.store.settings import Settings
from app.workstation.tasks import QtRunner

# A server's side (its client, sync engines, keyring, review screen) is imported inside the
# functions that open a server's window: a window on a local folder starts without them.
if TYPE_CHECKING:
    from app.protocol import Me, ProjectOut
    from app.workstation.lock import ScreenLock, Unlocker
    from app.workstation.remote import Remote
    from app.workstation.review_controls import ReviewControls
    from app.workstation.sync.client import Client

log = logging.getLogger(__name__)
ICON = resources_dir() / "icons" / "earmark.svg"


class PedalBridge(QObject):
    """Carries pedal events from the reader's thread to the GUI thread."""

    pedal_event = Signal(object)
    status = Signal(bool)


@dataclass
class Workstation:
    """A window over a server's project: the controller, its runner, and in review mode the
    review controls."""

    ctrl: Controller
    runner: QtRunner
    review: ReviewControls | None = None

    @property
    def lock(self) -> ScreenLock | None:
        from app.workstation.lock import ScreenLock

        return self.ctrl.lock if isinstance(self.ctrl.lock, ScreenLock) else None


def build(
    source: Path,
    preset: str | None = None,
    settings: Settings | None = None,
    open_pedal: Callable[[], PedalDevice | None] | None = open_hid_pedal,
    tier: str | None = None,
    os_user: str | None = None,
) -> tuple[Controller, QtRunner]:
    """The window over a folder or manifest on this machine (local mode); `os_user`: the
    account whose password lifts a lock, if the project asks for one (default: this one)."""
    parts = _parts(open_project(source, tier), preset, settings)
    ctrl = Controller(*parts.controller_args())
    screen = parts.project.screen
    lock = None
    if screen.lock_after_s:  # only where the project asks: this computer's password unlocks
        lock = local_lock(ctrl, screen.lock_after_s, os_user or account.user())
    if screen.watermark:
        from app.workstation.watermark import WatermarkClock

        ctrl.watermark = WatermarkClock(ctrl.window, os_user or account.user())
    ctrl.actions.install(modes.local(ctrl, lock.lock if lock else None))
    _pedals(ctrl, open_pedal)
    return ctrl, parts.runner


def local_lock(ctrl: Controller, after_s: int, user: str) -> ScreenLock:
    """A local project's lock, lifted by the password of this computer's account `user`."""
    from app.ui.lock_panel import Ask
    from app.workstation.lock import ScreenLock, Unlocker

    def check(password: str, _code: str) -> None:
        account.check_password(user, password)

    lock = ScreenLock(
        ctrl, Unlocker(Ask.PASSWORD, check, None, f"{user} on this computer"), after_s
    )
    ctrl.pedal_pressed.append(lock.touch)
    ctrl.lock = lock
    return lock


def build_remote(
    remote: Remote,
    forget: Callable[[], None] = lambda: None,
    settings: Settings | None = None,
    open_pedal: Callable[[], PedalDevice | None] | None = open_hid_pedal,
) -> Workstation:
    """The window over a server's project, as an annotator (annotate mode) or a reviewer
    (review mode); `forget` drops what signing out leaves behind here (keyring entries)."""
    from app.workstation.lock import ScreenLock
    from app.workstation.remote import sign_out
    from app.workstation.review_controls import ReviewControls
    from app.workstation.server_sync import ServerSync
    from app.workstation.sync.engine import SyncEngine
    from app.workstation.sync.review import ReviewEngine

    parts = _parts(remote.project, None, settings)
    engine = remote.engine
    tables = engine.tables if isinstance(engine, SyncEngine) else None
    sync = ServerSync(engine, parts.runner, parts.editor, parts.window, parts.actions.hint, tables)
    ctrl = Controller(*parts.controller_args(), sync)
    ctrl.window.set_title(f"Earmark — {remote.username} on {remote.client.server}")
    lock = ScreenLock(ctrl, unlocker_of(remote), remote.lock_after_s)
    sync.session_ended.append(lock.session_ended)
    ctrl.lock = lock
    ctrl.pedal_pressed.append(lock.touch)
    if remote.watermark:
        from app.workstation.watermark import WatermarkClock

        ctrl.watermark = WatermarkClock(ctrl.window, remote.username)

    def signed_out(_none: None) -> None:
        ctrl.window.close()

    def signing_out() -> None:
        ctrl.window.say("Signing out…")
        ctrl.runner.background(
            lambda: sign_out(remote, forget),
            signed_out,
            lambda exc: ctrl.window.say(f"Could not sign out: {exc}", error=True),
        )

    review = None
    if isinstance(engine, ReviewEngine):
        assert remote.policy is not None
        review = ReviewControls(
            engine,
            remote.policy,
            ctrl.editor,
            ctrl.window,
            ctrl.runner,
            sync,
            ctrl.check,
            ctrl.actions.hint,
        )
        ctrl.actions.install(modes.review(ctrl, sync, review, signing_out, lock.lock))
    else:
        ctrl.actions.install(modes.annotate(ctrl, sync, signing_out, lock.lock))
    _pedals(ctrl, open_pedal)
    return Workstation(ctrl, parts.runner, review)


def unlocker_of(remote: Remote) -> Unlocker:
    """What unlocks a window on this server's project: the authenticator's code again (a demo
    server's: the password), or a full sign-in once the session has ended."""
    client, user = remote.client, remote.username
    demo = client.signed_in is not None and client.signed_in.unlock_with == "password"

    def check(password: str, code: str) -> None:
        client.unlock(password if demo else code, with_password=demo)

    def sign_in(password: str, code: str) -> None:
        client.login(user, password, code)

    from app.ui.lock_panel import Ask
    from app.workstation.lock import Unlocker

    return Unlocker(
        Ask.PASSWORD if demo else Ask.CODE,
        check,
        sign_in,
        f"{user}, signed in to {client.server}",
    )


@dataclass
class _Parts:
    """What every mode's window is made of, before the controller ties it together."""

    project: Project
    editor: Editor
    player: Player
    runner: QtRunner
    settings: Settings
    window: MainWindow
    actions: Actions

    def controller_args(
        self,
    ) -> tuple[Project, Editor, Player, QtRunner, Settings, MainWindow, Actions]:
        return (
            self.project,
            self.editor,
            self.player,
            self.runner,
            self.settings,
            self.window,
            self.actions,
        )


def _parts(project: Project, preset: str | None, settings: Settings | None) -> _Parts:
    runner = QtRunner()
    editor = Editor(project.store, runner, queue=Queue.empty())  # read on a worker at start
    window = MainWindow(project.taxonomy, project.conventions)
    settings = settings or Settings()
    if preset:
        settings.save(replace(settings.load(), key_preset=preset))
    prefs = settings.load()
    keymap = Keymap.from_settings(prefs.key_preset, prefs.key_overrides)
    w = window
    actions = Actions(keymap, w, w.listening_widgets(), w.typing_widgets())
    return _Parts(project, editor, Player(), runner, settings, window, actions)


def _pedals(ctrl: Controller, open_pedal: Callable[[], PedalDevice | None] | None) -> None:
    """HID foot pedals, read on a thread of their own, their events carried to the GUI."""
    if open_pedal is None:
        return
    bridge = PedalBridge(ctrl)
    bridge.pedal_event.connect(ctrl.pedal)
    bridge.status.connect(ctrl.pedal_connected)
    reader = PedalReader(bridge.pedal_event.emit, open_pedal, bridge.status.emit)
    reader.start()
    ctrl.window.closing.connect(reader.stop)


def run_workstation(
    source: Path, preset: str | None = None, tier: str | None = None, quit_after: int | None = None
) -> int:
    app = application(ICON)
    watch = SignalWatch(app)
    try:
        ctrl, runner = build(source, preset, tier=tier)
    except ProjectError as exc:
        QMessageBox.critical(None, "Earmark cannot open this", str(exc))
        return 2
    ctrl.window.show()
    QTimer.singleShot(0, ctrl.start)
    if quit_after is not None:
        QTimer.singleShot(quit_after, ctrl.window.close)
    code = app.exec() if not watch.caught else 0
    runner.shutdown()
    ctrl.project.store.close()
    watch.close()
    return int(code)


DEMO_POLL_MS = 30


def run_demo(demo: DemoServer, review: bool = False, starting: StartingView | None = None) -> int:
    """The workstation signed in to the demo server `demo` (started by the caller, which stops
    it): as the demo annotator, or with `review` as the demo reviewer checking a colleague's
    submissions. `starting` says what is being got ready until the window shows."""
    from app.audio.vault import new_key
    from app.workstation.remote import open_remote
    from app.workstation.sync.client import Client

    app = application(ICON)
    watch = SignalWatch(app)
    starting = starting or show_starting("Earmark demo", "", ICON)
    starting.say("Starting the demo server (users, project, sample recordings)…")
    os.environ["EARMARK_HOME"] = str(demo.folder / "workstation")  # gone with the demo
    client = Client.in_memory(demo.url)  # a throwaway server: its token need not outlive it
    probe = QtRunner()
    opened: list[Workstation] = []
    code = 0

    def fail(message: str) -> None:
        nonlocal code
        code = 2
        starting.close()
        QMessageBox.critical(None, "Earmark demo", message)
        app.exit(2)

    def sign_in() -> Remote:
        user = demo.username
        if review:
            seed_submissions(demo)
            user = demo.reviewer
        client.login(user, demo.password, "")
        return open_remote(client, user, new_key(), review=review)  # cache dies with the demo

    def signed_in(remote: Remote) -> None:
        ws = build_remote(remote)  # the token lives in memory only: nothing else to forget
        opened.append(ws)
        ws.ctrl.window.show()
        starting.close()
        log.info("demo window shown")
        QTimer.singleShot(0, ws.ctrl.start)

    def poll() -> None:
        if demo.ready.is_set():
            waiting.stop()
            starting.say("Signing in as the demo " + ("reviewer…" if review else "annotator…"))
            probe.background(sign_in, signed_in, lambda exc: fail(str(exc)))
        elif demo.ended.is_set():
            waiting.stop()
            fail(demo.error())

    waiting = QTimer()
    waiting.setInterval(DEMO_POLL_MS)
    waiting.timeout.connect(poll)
    waiting.start()
    try:
        if not watch.caught:
            code = app.exec() or code
    finally:
        waiting.stop()
        probe.shutdown()
        for ws in opened:
            ws.runner.shutdown()
            ws.ctrl.project.store.close()
        client.close()
        watch.close()
    return int(code)


def connect(
    server: str, username: str, runner: QtRunner, parent: QWidget | None = None
) -> tuple[Client, str] | None:
    """A signed-in client: from the refresh token in the keyring, else through the dialog."""
    from app.ui.sign_in_dialog import SignInDialog
    from app.workstation.store import secrets
    from app.workstation.sync.client import Client, SyncError

    holder: dict[str, Client] = {}

    def make(url: str, user: str) -> Client:
        if "client" in holder:
            holder.pop("client").close()  # an earlier attempt's
        client = Client(
            url,
            save_refresh=lambda t: secrets.save_refresh_token(client.server, user, t),
            load_refresh=lambda: secrets.load_refresh_token(client.server, user),
        )
        holder["client"] = client
        return client

    if server and username:
        try:
            client = make(server, username)
            client.me()  # the keyring's refresh token is enough
            return client, username
        except (SyncError, secrets.KeyringError):
            holder.pop("client").close()

    def sign_in(url: str, user: str, password: str, code: str) -> Me:
        client = make(url, user)
        return client.login(user, password, code)

    dialog = SignInDialog(parent, server, username, runner.background, sign_in)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.me is None:
        return None
    if holder["client"].sign_in_notice:  # someone may be guessing their password
        QMessageBox.warning(parent, "Earmark: failed sign-ins", holder["client"].sign_in_notice)
    return holder["client"], dialog.me.username


def choose_project(client: Client, parent: QWidget | None = None) -> ProjectOut | None:
    """The project to open: the only one, or the one picked from a list (None: cancelled)."""
    projects = client.projects()
    if not projects:
        raise LookupError("The server has no project for you yet; ask your lead.")
    if len(projects) == 1:
        return projects[0]
    names = [p.name for p in projects]
    name, ok = QInputDialog.getItem(
        parent, "Earmark: choose a project", "Projects you work on:", names, 0, False
    )
    if not ok:
        return None
    return projects[names.index(name)]


def run_connect(server: str, username: str, review: bool | None = None) -> int:
    """`earmark connect`: the workstation on a server's project, signed in; a reviewer gets
    the review queue (an admin with --review)."""
    from app.workstation.remote import open_remote
    from app.workstation.store import secrets
    from app.workstation.sync.client import SyncError

    app = application(ICON)
    watch = SignalWatch(app)
    probe = QtRunner()
    signed = connect(server, username, probe)
    probe.shutdown()
    if signed is None:
        return 1
    client, user = signed
    try:
        project = choose_project(client)
        if project is None:
            client.close()
            return 1
        key = secrets.cache_key(client.server, user)
        if review is None:  # a reviewer in this project reviews; others annotate
            review = project.role == "reviewer"
        remote = open_remote(client, user, key, project.id, review)
    except (SyncError, LookupError, secrets.KeyringError) as exc:
        QMessageBox.critical(None, "Earmark", str(exc))
        client.close()
        return 2

    def forget() -> None:
        secrets.delete_refresh_token(client.server, user)
        secrets.delete_cache_key(client.server, user)

    ws = build_remote(remote, forget)
    ctrl, runner = ws.ctrl, ws.runner
    ctrl.window.show()
    QTimer.singleShot(0, ctrl.start)
    try:
        return int(app.exec()) if not watch.caught else 0
    finally:
        runner.shutdown()
        ctrl.project.store.close()
        client.close()
        watch.close()
