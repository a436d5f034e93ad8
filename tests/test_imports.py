"""The core and the session load without the UI libraries (docs/architecture.md: imports only point down)."""

import json
import subprocess
import sys

CODE = """
import json, sys
import tui_backprop.core, tui_backprop.training, tui_backprop.config
import tui_backprop.core.gradcheck, tui_backprop.core.diagnostics, tui_backprop.core.datasets
import tui_backprop.training.runner, tui_backprop.presets
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "plotext", "textual_plotext", "rich"))))
"""


def test_core_and_training_load_no_ui_modules():
    proc = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []


def test_headless_train_loads_no_ui_modules():
    code = ("import sys, io, contextlib\nfrom tui_backprop.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    assert main(['train', '--preset', 'one-weight', '--steps', '3', '--json']) == 0\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'plotext')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
