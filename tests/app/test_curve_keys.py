"""The loss curve's keys take effect in the order typed, even in one burst (QA #1)."""

from tests.conftest import press_at_once, wait_until_stopped
from tui_backprop.app.app import BackpropApp
from tui_backprop.app.widgets.loss_curve import LossCurve
from tui_backprop.presets import load_preset


async def test_enter_then_space_at_once_goes_back_before_the_run_starts():
    """Enter at the cursor then space within a few ms ran forward from step 10: the go-to came after space."""
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        app.session.run(10)
        app.main.publish_now()
        curve = app.query_one(LossCurve)
        curve.focus()
        await pilot.press("home", "right", "right")
        assert curve.cursor == 2  # the third point: step 3
        await press_at_once(pilot, "enter", "space")
        messages = [n.message for n in app._notifications]
        assert any("Back at step 3 (from step 10)" in m for m in messages), messages
        assert not any(m.startswith("Pausing") for m in messages), messages
        assert app.runner.running  # space came second: it runs on from step 3
        await pilot.press("space")
        await wait_until_stopped(pilot, app)
