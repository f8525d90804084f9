"""Open the workstation on the samples (or on SOURCE), and save a screenshot (for review).

screenshot.py [OUT.png] [SOURCE]
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app.main import build
from app.workstation.store.paths import resources_dir


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "earmark.png")
    app = QApplication(sys.argv)
    source = Path(sys.argv[2]) if len(sys.argv) > 2 else resources_dir() / "samples"
    ctrl, runner = build(source)
    ctrl.window.show()
    ctrl.start()

    def shoot() -> None:
        ctrl.window.grab().save(str(out))
        print(f"saved {out}")
        app.quit()

    QTimer.singleShot(1500, shoot)
    app.exec()
    runner.shutdown()


if __name__ == "__main__":
    main()
