"""The first frame comes before what it does not show is imported (issue 14: first paint <= 0.4 s).

Checked by what is in ``sys.modules`` when the app draws its first frame, not by
timing: plotext (the loss curve's axes, drawn right after), the configuration
form (a hidden tab), the sweep, export and save code, and never torch.
"""

import json
import subprocess
import sys

PROBE = """
import asyncio, gc, json, sys
from textual.app import App

seen = {}
display = App._display

def first_frame(self, screen, renderable):
    if renderable is not None and "first_frame" not in seen:
        seen["first_frame"] = sorted(sys.modules)
        seen["lesson_drawn"] = bool(self.screen.query("#lesson"))
        seen["footer_keys"] = [key.key for key in self.screen.query("FooterKey")]
        seen["collector_on"] = gc.isenabled()
    return display(self, screen, renderable)

def run(self, **kwargs):  # the app as `tui-backprop` starts it, headless
    async def go():
        async with self.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            await pilot.pause()
            seen["later"] = sorted(sys.modules)
            seen["collector_after"] = gc.isenabled()
            seen["curve_plot"] = self.query_one("#curve").plt is not None
            seen["form"] = self.main.form is not None and self.main.form.is_mounted
    asyncio.run(go())

App._display = first_frame
App.run = run
from tui_backprop.cli import main
assert main(["--preset", "xor"]) == 0
print(json.dumps(seen))
"""

NOT_BEFORE_FIRST_FRAME = ("plotext", "textual_plotext", "torch", "tui_backprop.app.widgets.config_form",
                          "tui_backprop.sweep", "tui_backprop.export", "tui_backprop.persist",
                          "tui_backprop.core.population")


def _loaded(modules: list[str], prefixes: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes)]


def test_first_frame_imports_only_what_it_shows():
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert seen["lesson_drawn"]  # a real first screen, not a placeholder one
    # The footer's keys are in the first frame, help and quit first (Textual's own footer waits a frame).
    assert seen["footer_keys"][:2] == ["question_mark", "q"]
    assert not seen["collector_on"]  # start-up runs without the cyclic GC ...
    assert seen["collector_after"]  # ... which is back on once the first frame is drawn
    assert _loaded(seen["first_frame"], NOT_BEFORE_FIRST_FRAME) == []
    assert "numpy" in seen["first_frame"]  # (the probe saw the app's own imports)
    # Right after, without a key: the curve's plot and the form are there.
    assert seen["curve_plot"] and seen["form"]
    assert _loaded(seen["later"], ("plotext", "tui_backprop.app.widgets.config_form")) != []
    assert _loaded(seen["later"], ("torch",)) == []
