"""The sweep view (S, "Sweep seeds"): background runs, the stuck share, opening a run's seed."""

from __future__ import annotations

import time

import numpy as np
import pytest

from tui_backprop.app.app import BackpropApp
from tui_backprop.app.screens.help import help_rows
from tui_backprop.app.screens.sweep import SweepScreen, headline
from tui_backprop.presets import load_preset
from tui_backprop.sweep import build_sweep


async def wait_until_finished(pilot, screen: SweepScreen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        picture = screen.sweep.picture()
        if picture is not None and picture.finished and screen._shown is picture:
            return
        await pilot.pause(0.1)
    raise AssertionError("the sweep did not finish")


async def test_s_opens_the_sweep_pauses_the_main_run_and_counts_the_stuck_seeds():
    app = BackpropApp(load_preset("xor-two-hidden"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("space")
        await pilot.pause(0.2)
        await pilot.press("S")
        await pilot.pause(0.2)
        assert isinstance(app.screen, SweepScreen)
        assert not app.runner.running  # the main run stays paused while the seeds train
        steps = app.session.step_count
        screen = app.screen
        await wait_until_finished(pilot, screen)
        assert app.session.step_count == steps
        picture = screen.sweep.picture()
        # The same counts as a headless sweep of seeds 0–31 with the preset's goal.
        config = load_preset("xor-two-hidden")
        pop = build_sweep(config, range(32), None, 3000).population
        pop.run(3000)
        reached = int((pop.stopped_at >= 0).sum())
        assert (picture.reached, picture.stuck, picture.halted) == (reached, 32 - reached, 0)
        assert list(picture.stopped_at) == list(pop.stopped_at)
        assert picture.curve_steps[0] == 1  # steps counted from 1, as on the loss curve (QA2: from 0)
        # the loss after step N's update is step N + 1's, as the main curve has it (QA6 K14: both at step 1)
        steps, _ = pop.epoch_history()
        assert list(picture.curve_steps[1:]) == list(steps + 1) and picture.curve_steps[1] == steps[0] + 1
        counts = str(screen.query_one("#sweep-counts").render())
        assert f"stuck: {32 - reached} of 32 ({(32 - reached) / 32:.0%})" in counts
        assert f"reached loss < 0.05 (the lesson's goal): {reached} of 32" in counts
        assert screen.query_one("#sweep-curves").border_subtitle == "goal: loss < 0.05"
        table = screen.query_one("#sweep-runs")
        stuck_seed = next(k for k in range(32) if pop.stopped_at[k] < 0)
        assert str(table.get_cell(str(stuck_seed), "outcome")) == "stuck"
        first = next(k for k in range(32) if pop.stopped_at[k] >= 0)
        assert str(table.get_cell(str(first), "outcome")) == f"reached in {pop.stopped_at[first]:,}"


async def test_enter_on_a_run_opens_its_seed_in_the_main_view():
    app = BackpropApp(load_preset("xor-two-hidden"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("S")
        await pilot.pause(0.2)
        screen = app.screen
        await pilot.press("down", "down", "down", "enter")  # the fourth row: seed 3
        await pilot.pause(0.2)
        assert not isinstance(app.screen, SweepScreen)
        assert app.config.network.seed == 3 and app.session.config.network.seed == 3
        assert app.session.step_count == 0
        assert app.screen.query_one("#side").border_title == "xor-two-hidden · seed 3"
        assert any(n.message == "Seed 3 of the sweep opened: space trains it." for n in app._notifications)
        screen.sweep.join(5)
        assert not screen.sweep._thread.is_alive()  # leaving stops the background runs


async def test_escape_returns_unchanged_and_stops_the_runs():
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "n")
        await pilot.press("S")
        await pilot.pause(0.3)
        screen = app.screen
        assert isinstance(screen, SweepScreen)
        for _ in range(50):
            if screen._shown is not None:
                break
            await pilot.pause(0.1)
        # xor names no goal: a tenth of the median starting loss, and the pane says so.
        pop = build_sweep(app.config, screen.sweep.seeds, None, 0).population
        goal = 0.1 * float(np.median(pop.evaluate(pop.x_train, pop.y_train)))
        assert screen._shown.goal == pytest.approx(goal, rel=1e-12)
        assert screen.query_one("#sweep-curves").border_subtitle == f"goal: loss < {goal:.3g}"
        assert f"reached loss < {goal:.3g} (a tenth of the median start): " in str(screen.query_one("#sweep-counts").render())
        await pilot.press("space")  # the main view's keys do nothing here
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert not isinstance(app.screen, SweepScreen)
        assert app.session.step_count == 2 and not app.runner.running
        screen.sweep.join(5)
        assert not screen.sweep._thread.is_alive()


@pytest.mark.flaky(reruns=2)
async def test_keys_stay_responsive_while_the_seeds_train():
    """A key's action runs within 100 ms of the key (median of 5) while the background sweep computes."""
    app = BackpropApp(load_preset("spiral-3-classes"))
    async with app.run_test(size=(100, 30)) as pilot:
        # A goal no run reaches and a budget no run spends: still training when the keys come.
        screen = SweepScreen(app.config.replace("training", stop_below_loss=1e-12), max_steps=10**6)
        app.push_screen(screen)
        await pilot.pause(0.5)
        handled = []
        toggle = screen.action_toggle_log
        screen.action_toggle_log = lambda: (handled.append(time.perf_counter()), toggle())
        first = screen.sweep.picture()
        latencies = []
        for _ in range(5):
            start = time.perf_counter()
            await pilot.press("l")
            latencies.append(handled[-1] - start)
            await pilot.pause(0.2)
        last = screen.sweep.picture()
        assert first is not None and last.step > first.step and not last.finished  # training meanwhile
        assert sorted(latencies)[2] <= 0.1, latencies


async def test_palette_and_help_name_the_view():
    app = BackpropApp(load_preset("xor"))
    async with app.run_test(size=(100, 30)):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert any(t.startswith("Sweep seeds") for t in titles), titles
        rows = [row for _, section in help_rows(app) for row in section]  # the help screen's lines
    assert ("S", "Sweep seeds") in rows


async def test_a_preset_too_big_to_sweep_says_why(monkeypatch):
    import tui_backprop.sweep as sweep

    monkeypatch.setattr(sweep, "available_memory", lambda: 1000)
    app = BackpropApp(load_preset("xor"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("S")
        screen = app.screen
        await wait_until_finished(pilot, screen, 20)
        text = str(screen.query_one("#sweep-counts").render())
        assert text.startswith("Cannot sweep:") and "32 runs of 3,000 steps need about" in text


@pytest.mark.parametrize("log", [False, True])
def test_the_step_axis_reads_1_to_the_budget_with_separators(log):
    """QA: the axis read from the first point drawn to the last (2, 1,476, 2,950), not 1 … 3,000; QA2: it
    started at 0, the loss curve at step 1."""
    from tui_backprop.app.screens.sweep import set_ticks

    class Plot:
        def yticks(self, ticks, labels):
            self.y = labels

        def xticks(self, ticks, labels):
            self.x = (ticks, labels)

        def xlim(self, low, high):
            self.xlim_ = (low, high)

    plt = Plot()
    set_ticks(plt, 3000, np.array([-1.3, -0.1]) if log else np.array([0.05, 0.78]), log)
    assert plt.x == ([1, 1500, 3000], ["1", "1,500", "3,000"])
    assert plt.xlim_ == (1, 3001)  # the loss after step 3,000's update is drawn at 3,001, as on the loss curve
    assert all(isinstance(t, int) for t in plt.x[0])


def test_headline_while_training_names_what_it_counts():
    import numpy as np

    from tui_backprop.sweep_background import SweepPicture

    picture = SweepPicture(step=100, max_steps=3000, seeds=(0, 1, 2, 3), goal=0.05, goal_source="",
                           curve_steps=np.zeros(1), curves=np.zeros((1, 4)), median=np.zeros(1),
                           loss=np.zeros(4), steps=np.full(4, 100), stopped_at=np.array([40, -1, -1, -1]),
                           halts=(None, None, None, None), finished=False, updates_per_second=1234.0)
    text = headline(picture)
    assert "step 100 of 3,000" in text and "reached loss < 0.05: 1 of 4" in text
    assert "still training: 3" in text and "1,234 network updates/s" in text and "stuck" not in text


def test_a_runs_loss_below_the_goal_never_prints_as_the_goal():
    from tui_backprop.app.screens.sweep import loss_text
    from tui_backprop.sweep_background import SweepPicture

    picture = SweepPicture(step=300, max_steps=3000, seeds=(0, 1, 2), goal=0.05, goal_source="",
                           curve_steps=np.zeros(1), curves=np.zeros((1, 3)), median=np.zeros(1),
                           loss=np.array([0.049976, 0.31234, 0.0798]), steps=np.full(3, 300),
                           stopped_at=np.array([250, -1, -1]), halts=(None, None, None), finished=False,
                           updates_per_second=1.0)
    # 4 digits with their zeros, so the column lines up (QA: 0.0798 beside 0.07988)
    assert [loss_text(picture, k) for k in range(3)] == ["0.04998", "0.3123", "0.07980"]


def test_the_goal_has_the_digits_the_loss_nearest_it_needs():
    """QA6 K2: a row's 0.081927 'reached' under 'goal: loss < 0.0819' (the goal 0.081932 cut to 3 digits)."""
    from tui_backprop.app.screens.sweep import goal_text, loss_text
    from tui_backprop.sweep_background import SweepPicture

    picture = SweepPicture(step=3000, max_steps=3000, seeds=(0, 1), goal=0.081932, goal_source="",
                           curve_steps=np.zeros(1), curves=np.zeros((1, 2)), median=np.zeros(1),
                           loss=np.array([0.081927, 0.5]), steps=np.full(2, 3000),
                           stopped_at=np.array([920, -1]), halts=(None, None), finished=True, updates_per_second=1.0)
    goal, row = goal_text(picture), loss_text(picture, 0)
    assert float(row) < float(goal) and (row, goal) == ("0.08193", "0.081932")  # as the true 0.081927 < 0.081932


@pytest.mark.parametrize("size", [(100, 30), (80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_after_the_sweep(snap_compare, size):
    async def run_before(pilot):
        await pilot.press("S")
        await wait_until_finished(pilot, pilot.app.screen)

    assert snap_compare(BackpropApp(load_preset("xor-two-hidden")), run_before=run_before, terminal_size=size)


async def test_the_footer_starts_with_help_and_quit_as_on_every_view():
    app = BackpropApp(load_preset("xor-two-hidden"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("S")
        await pilot.pause(0.2)
        assert isinstance(app.screen, SweepScreen)
        shown = [binding.key for (_, binding, _, _) in app.screen.active_bindings.values() if binding.show]
        assert shown[:5] == ["question_mark", "q", "escape", "l", "enter"], shown


async def test_o_from_the_sweep_closes_it_before_another_preset_loads():
    """QA5 B5: `o` loaded another preset under the sweep, and Enter on a row then opened that seed in the
    new preset. Now the sweep closes first: the picker loads the preset into the main view, with no sweep
    of the old one left over it."""
    app = BackpropApp(load_preset("circle"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("S")
        await pilot.pause(0.2)
        sweep = app.screen
        assert isinstance(sweep, SweepScreen)
        await pilot.press("o", *"xor-two", "enter")
        await pilot.pause(0.3)
        assert app.config.name == "xor-two-hidden"
        assert not any(isinstance(s, SweepScreen) for s in app.screen_stack)
        assert app.screen is app.main
        sweep.sweep.join(5)
        assert not sweep.sweep._thread.is_alive()  # the circle runs stopped with their view


async def test_a_preset_loaded_under_the_sweep_closes_it_and_a_row_opens_the_swept_configuration():
    """Whatever path loads another configuration under the sweep (the palette's "open preset"), the sweep
    closes; and a row's seed always opens in the configuration the row was trained with."""
    from tui_backprop.presets import resolve

    app = BackpropApp(load_preset("circle"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("S")
        await pilot.pause(0.2)
        assert isinstance(app.screen, SweepScreen)
        app.load_preset_file(resolve("xor-two-hidden"))
        await pilot.pause(0.3)
        assert app.config.name == "xor-two-hidden" and app.screen is app.main

        await pilot.press("S")  # a sweep of xor-two-hidden, then its learning rate changed from outside
        await pilot.pause(0.2)
        swept = app.screen.config
        app.main.action_learning_rate(+1)
        await pilot.pause(0.2)
        assert app.session.learning_rate != swept.training.learning_rate
        await pilot.press("down", "enter")  # seed 1, as the sweep trained it
        await pilot.pause(0.3)
        assert app.screen is app.main
        assert app.config == swept.with_seed(1)


def test_runs_whose_loss_grew_far_past_its_start_are_diverged_not_stuck():
    """QA5 C8: on exploding-gradients, runs ending at a loss of 1e16 … 1e173 (from a start near 1e4) were
    counted "stuck". A run whose loss ends over 10× its start diverged; stuck is flat above the goal."""
    from tui_backprop.app.screens.sweep import outcome
    from tui_backprop.sweep_background import SweepPicture

    start = np.array([2e4, 3e4, 0.3, 0.31])
    final = np.array([5.286e65, 2.2e3, 0.3475, np.nan])
    picture = SweepPicture(step=3000, max_steps=3000, seeds=(0, 1, 2, 3), goal=2.55e3, goal_source="",
                           curve_steps=np.array([1.0, 3000.0]), curves=np.vstack([start, final]),
                           median=np.zeros(2), loss=np.array([5.286e65, 2.2e3, 0.3475, 5.0]),
                           steps=np.array([3000, 40, 3000, 5]), stopped_at=np.array([-1, 40, -1, -1]),
                           halts=(None, None, None, object()), finished=True, updates_per_second=1.0)
    assert [outcome(picture, k) for k in range(3)] == ["diverged", "reached in 40", "stuck"]
    assert (picture.reached, picture.stuck, picture.diverged, picture.halted) == (1, 1, 1, 1)
    text = headline(picture)
    assert "stuck: 1 of 4 (25%)" in text and "diverged (loss over 10× its start): 1 of 4 (25%)" in text


async def test_the_footer_and_help_say_enter_opens_the_runs_seed():
    """QA5 C4: the footer offered "o open" (the preset picker) and nothing for Enter, the key that opens the
    selected run; the help's sweep section didn't list Enter either."""
    app = BackpropApp(load_preset("xor-two-hidden"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("S")
        await pilot.pause(0.2)
        assert isinstance(app.screen, SweepScreen)
        shown = {binding.key: binding.description
                 for (_, binding, _, _) in app.screen.active_bindings.values() if binding.show}
        assert shown.get("enter") == "open seed" and "o" not in shown, shown
        footer = " ".join(str(key.render()) for key in app.screen.query("FooterKey"))
        assert "open seed" in footer, footer
        sections = dict(help_rows(app))
        assert ("⏎", "Open the selected run's seed in the main view") in sections["Sweep seeds (S)"]


def test_numbers_read_as_everywhere_else_and_the_goal_says_where_it_comes_from():
    """QA5 K1: "4.937e+05" and "goal: loss < 2.55e+03" (the status line writes 3.787e5), and at 80×24 the
    pane's caption was cut ("(th…"): the caption is the goal alone, its source goes with the counts."""
    from tui_backprop.app.screens.sweep import loss_text
    from tui_backprop.sweep_background import SweepPicture

    picture = SweepPicture(step=3000, max_steps=3000, seeds=(3, 4), goal=2550.43, goal_source="a tenth of the median start",
                           curve_steps=np.array([1.0, 3000.0]), curves=np.array([[4e4, 3e4], [4.937e5, 2175.0]]),
                           median=np.zeros(2), loss=np.array([4.937e5, 2175.0]), steps=np.array([6, 2170]),
                           stopped_at=np.array([-1, 2170]), halts=(None, None), finished=True, updates_per_second=1.0)
    assert loss_text(picture, 0) == "4.937e5"
    text = headline(picture)
    assert "reached loss < 2.55e3 (a tenth of the median start): 1 of 2 (50%)" in text and "e+" not in text


async def test_the_title_says_how_the_swept_configuration_differs_from_its_preset():
    """QA5 K14: with 3 hidden units (the lesson's own suggestion) the sweep was titled with the preset alone,
    while the main pane said "(changed)". The title says what is swept."""
    import dataclasses

    app = BackpropApp(load_preset("xor-two-hidden"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        config = app.config
        wider = (dataclasses.replace(config.network.layers[0], units=3),) + config.network.layers[1:]
        app.main.switch_session(type(app.session)(config.replace("network", layers=wider)))
        app.main.action_learning_rate(-1)
        await pilot.pause(0.2)
        await pilot.press("S")
        await pilot.pause(0.2)
        assert isinstance(app.screen, SweepScreen)
        title = str(app.screen.query_one("#sweep-title").render())
        assert ("XOR with two hidden units: luck of the seed, changed: hidden layers 3 tanh, learning rate "
                f"{app.config.training.learning_rate:g}: 32 runs") in title, title
        await pilot.press("escape")
        await pilot.pause(0.2)
        app.main.action_learning_rate(+1)
        app.main.switch_session(type(app.session)(load_preset("xor-two-hidden")))
        await pilot.pause(0.2)
        await pilot.press("S")
        await pilot.pause(0.2)
        assert "luck of the seed: 32 runs" in str(app.screen.query_one("#sweep-title").render())


async def test_opening_a_seed_replaces_the_toast_about_the_paused_run():
    """QA5 K10: "Training paused while the seeds train (space resumes it after)." stayed stacked over "Seed 1 of
    the sweep opened", though the paused run was gone."""
    app = BackpropApp(load_preset("xor-two-hidden"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space")
        await pilot.pause(0.3)
        await pilot.press("S")
        await pilot.pause(0.3)
        assert any("Training paused" in n.message for n in app._notifications)
        await pilot.press("down", "enter")
        await pilot.pause(0.3)
        messages = [n.message for n in app._notifications]
        assert "Seed 1 of the sweep opened: space trains it." in messages
        assert not any("Training paused" in m for m in messages), messages


def test_the_thick_line_is_a_loss_some_run_has():
    """QA5 C7: 16 runs reached ≈0.05 and 16 stuck at ≈0.3475, and the thick "median" ran at 0.199, between
    the groups, where no run is. The line is the median run's loss: with an even count, the lower middle run."""
    from tui_backprop.sweep_background import median_run

    curves = np.array([[0.7] * 32, [0.05] * 16 + [0.3475] * 16, [np.nan] * 2 + [0.049] * 15 + [0.3475] * 15])
    assert median_run(curves).tolist() == [0.7, 0.05, 0.049]
    assert median_run(np.array([[1.0, 3.0, 2.0]])).tolist() == [2.0]  # an odd count: the middle one
    assert np.isnan(median_run(np.array([[np.nan, np.nan]])))[0]


@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_legend_says_the_thick_line_is_the_median_run(size):
    app = BackpropApp(load_preset("xor-two-hidden"), questions=False)
    async with app.run_test(size=size) as pilot:
        await pilot.press("S")
        await pilot.pause(0.5)
        curves = app.screen.query_one("#sweep-curves")
        title = curves.border_title
        assert "median run (" in title and len(title) + 6 <= curves.outer_size.width, title


def test_the_goal_beside_tiny_losses_reads_with_the_apps_minus():
    """The goal's digits are found by reading the rows back: 1e−12 (the app's minus) must read as a number."""
    from tui_backprop.app.screens.sweep import goal_text
    from tui_backprop.sweep_background import SweepPicture

    picture = SweepPicture(step=10, max_steps=10, seeds=(0,), goal=1e-3, goal_source="",
                           curve_steps=np.zeros(1), curves=np.zeros((1, 1)), median=np.zeros(1),
                           loss=np.array([1e-12]), steps=np.full(1, 10), stopped_at=np.array([5]),
                           halts=(None,), finished=True, updates_per_second=1.0)
    assert goal_text(picture) == "0.001"


def test_a_sweep_whose_seed_changes_nothing_says_so():
    """QA7 C7: learning-rate-too-high (one weight from 1, inline data) gave 32 identical rows and one bar."""
    from tui_backprop.app.screens.sweep import headline
    from tui_backprop.sweep_background import BackgroundSweep

    sweep = BackgroundSweep(load_preset("learning-rate-too-high").replace("training", learning_rate=0.1), 4, 50)
    sweep.start()
    sweep.join(30)
    picture = sweep.picture()
    assert picture.finished and picture.all_alike
    assert "every seed gave the same run" in headline(picture)
    xor = BackgroundSweep(load_preset("xor"), 4, 50)
    xor.start()
    xor.join(30)
    assert xor.picture().finished and not xor.picture().all_alike


@pytest.mark.parametrize("preset, keys", [("xor", "U"), ("xor", "H"), ("optimizers", ""), ("optimizers", "H")])
async def test_o_from_any_view_closes_it_and_the_preset_loads_into_the_main_view(preset, keys):
    """QA5 C4: U, H and compare mode offered "o open" in their footers, which read as "open this run", and the
    preset then loaded under a view still showing the old run. Now o is hidden in their footers (the help lists
    it), closes the view (compare mode too, under H), then opens the picker."""
    from tui_backprop.app.screens.compare import CompareScreen
    from tui_backprop.app.screens.picker import PresetPicker
    from tui_backprop.app.screens.view import ViewScreen

    app = BackpropApp(load_preset(preset), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("n", *keys)
        await pilot.pause(0.2)
        view = app.screen
        assert isinstance(view, (ViewScreen, CompareScreen)) and view is not app.main
        shown = [b.key for (_, b, _, _) in view.active_bindings.values() if b.show]
        assert "o" not in shown and "escape" in shown
        await pilot.press("o")
        await pilot.pause(0.2)
        assert isinstance(app.screen, PresetPicker)
        assert [s for s in app.screen_stack if isinstance(s, (ViewScreen, CompareScreen))] == []
        await pilot.press(*"chain-two", "enter")
        await pilot.pause(0.3)
        assert app.config.name == "chain-two-weights" and app.screen is app.main


def test_slow_runs_read_still_falling_and_only_a_flat_tail_reads_stuck():
    """QA8 C2: xor at 3,000 steps counted "stuck: 10 of 32" though most were still descending."""
    from tui_backprop.app.screens.sweep import outcome
    from tui_backprop.sweep_background import BackgroundSweep

    config = load_preset("xor").with_seed(12).replace("training", stop_below_loss=0.0799)  # 32 seeds' goal
    sweep = BackgroundSweep(config, runs=10)  # seeds 12–21
    sweep.start()
    sweep.join(120)
    picture = sweep.picture()
    assert picture.finished and picture.tail_step == 2700
    rows = {seed: outcome(picture, k) for k, seed in enumerate(picture.seeds)}
    assert [rows[s] for s in (12, 14, 17, 19, 21)] == ["still falling"] * 5 and rows[18] == "stuck"
    assert picture.still_falling == 5 and picture.stuck == 10 - 5 - picture.reached
    text = headline(picture)
    assert "not reached yet, still falling: 5 of 10 (50%)" in text
    assert f"stuck (loss down < 1% in the last 300 steps): {picture.stuck} of 10" in text


async def test_a_challenges_sweep_judges_each_run_by_the_challenges_goal():
    """QA8 C3: challenge-learning-rate's sweep read "goal: loss < 0.0793" (a tenth of the median start, training
    loss) while the challenge asks for test loss ≤ 0.15 within 100 epochs. Each run is now judged as the lesson
    judges a session: its GoalTracker at every epoch end, up to the deadline (1,000 steps)."""
    from tui_backprop.app.screens.sweep import outcome
    from tui_backprop.sweep_background import BackgroundSweep
    from tui_backprop.training.session import Session

    config = load_preset("challenge-learning-rate").replace("training", learning_rate=0.1)
    sweep = BackgroundSweep(config, runs=6)  # seeds 1–6
    sweep.start()
    sweep.join(120)
    picture = sweep.picture()
    assert picture.finished and picture.max_steps == 1000 and picture.challenge == "test loss ≤ 0.15 within 100 epochs"
    for k, seed in enumerate(picture.seeds):
        session = Session.headless(config.with_seed(seed), step_back=False)
        session.run(1000)
        (result,) = session.goals.results()
        assert picture.stopped_at[k] == (result.step if result.met else -1), seed
    assert list(picture.stopped_at) == [800, -1, 960, -1, -1, -1]
    assert [outcome(picture, k) for k in range(2)] == ["met at 800", "missed"]
    assert headline(picture) == ("step 1,000 of 1,000 (done) · the challenge's goal (test loss ≤ 0.15 within 100 "
                                 "epochs) met: 2 of 6 (33%) · [b]missed: 4 of 6[/b]")

    app = BackpropApp(load_preset("challenge-learning-rate"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("S")
        await pilot.pause(0.2)
        await wait_until_finished(pilot, app.screen)
        assert app.screen.query_one("#sweep-curves").border_subtitle == "goal: the challenge's (below)"
        counts = str(app.screen.query_one("#sweep-counts").render())
        assert "the challenge's goal (test loss ≤ 0.15 within 100 epochs) met: 0 of 32 (0%)" in counts


def test_the_cli_sweep_names_the_challenges_goal_it_does_not_judge(capsys):
    from tui_backprop.cli import main

    assert main(["sweep", "--preset", "challenge-learning-rate", "--seeds", "0:2", "--steps", "20"]) == 0
    out = capsys.readouterr().out
    assert "not judged here: the challenge's goal test loss ≤ 0.15 within 100 epochs" in out
    import json

    assert main(["sweep", "--preset", "challenge-learning-rate", "--seeds", "0:2", "--steps", "20", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["goals_not_judged"] == ["test loss ≤ 0.15 within 100 epochs"]
