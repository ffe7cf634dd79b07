"""Time from process start to the first painted main window, against a bare Qt baseline.

The baseline starts a QApplication with an empty QMainWindow in the same way, so the ratio shows
what ocm-inspector adds on top of Qt itself. Run: ``python benchmarks/startup.py [--runs N]``.
Uses the offscreen platform unless DISPLAY is set and QT_QPA_PLATFORM says otherwise.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# benchmarks/jwt.py shares its name with PyJWT; keep this folder off the import path.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

TARGET_RATIO = 1.3


def child(kind: str, started: float) -> None:
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication, QMainWindow

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 - Qt override
            if event.type() == QEvent.Type.Paint:
                print(f"{time.time() - started:.6f}", flush=True)
                QApplication.instance().exit(0)
            return False

    if kind == "baseline":
        app = QApplication([sys.argv[0]])
        window = QMainWindow()
        window.resize(1100, 700)
    else:
        from inspector.ui.app import create_application, install_log_handler
        from inspector.ui.main_window import MainWindow

        app = create_application([sys.argv[0]])
        window = MainWindow(install_log_handler())
    spy = FirstPaint()
    window.installEventFilter(spy)
    window.show()
    app.exec()


def measure(kind: str, config_dir: str) -> float:
    env = {**os.environ, "OCM_INSPECTOR_CONFIG_DIR": config_dir}
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    started = time.time()
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--started", repr(started)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    return float(out.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--child", choices=["baseline", "app"])
    parser.add_argument("--started", type=float)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.started)
        return 0

    # An installed package carries compiled bytecode (pip writes it); a source checkout run with
    # PYTHONDONTWRITEBYTECODE would compile every module on each start and measure that instead.
    import compileall

    import inspector

    compileall.compile_dir(Path(inspector.__file__).parent, quiet=1)

    with tempfile.TemporaryDirectory() as config_dir:
        measure("baseline", config_dir)  # warm the file cache for both
        measure("app", config_dir)
        baseline, app = [], []
        for _ in range(args.runs):
            baseline.append(measure("baseline", config_dir))
            app.append(measure("app", config_dir))
    # Noise on a shared machine only ever adds time, so the fastest run is the steadiest figure;
    # the median is printed beside it.
    for label, runs in (("bare QMainWindow", baseline), ("ocm-inspector", app)):
        print(
            f"{label:17}: fastest {min(runs) * 1000:6.1f} ms, "
            f"median {statistics.median(runs) * 1000:6.1f} ms over {args.runs} runs"
        )
    ratio = min(app) / min(baseline)
    median_ratio = statistics.median(app) / statistics.median(baseline)
    verdict = "ok" if ratio <= TARGET_RATIO else "over target"
    print(
        f"ratio {ratio:.2f} fastest, {median_ratio:.2f} median (target <= {TARGET_RATIO}) {verdict}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
