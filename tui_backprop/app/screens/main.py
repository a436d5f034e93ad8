"""The main view: lesson, curve, boundary, network and inspector of one session, and its keys.

Training runs in a worker (see ``training.runner``); the panes redraw from the
latest snapshot on a timer, so a fast run never floods them. Keys that change
the session while it runs are applied between steps. Keys that belong to one
pane (the inspector's arrows, the curve's cursor) live on that widget.
"""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Static, TabbedContent, TabPane

from tui_backprop.app.lesson_controls import LessonControls
from tui_backprop.app.playground_controls import PlaygroundControls
from tui_backprop.app.side_pane import SidePane
from tui_backprop.app.screens.view import view_bindings
from tui_backprop.app.snapshot_view import SnapshotView
from tui_backprop.app.toast_place import place_toasts
from tui_backprop.app.training_controls import TrainingControls
from tui_backprop.app.widgets.boundary import DecisionBoundary
from tui_backprop.app.widgets.computation_graph import ComputationGraph
from tui_backprop.app.widgets.deferred import Deferred
from tui_backprop.app.widgets.diagram import NetworkDiagram
from tui_backprop.app.widgets.footer import FittedFooter
from tui_backprop.app.widgets.inspector import Inspector
from tui_backprop.app.widgets.lesson_pane import LessonPane, reflow  # noqa: F401 (reflow: tests)
from tui_backprop.app.widgets.loss_curve import LossCurve
from tui_backprop.app.widgets.neuron_maps import NeuronMaps
from tui_backprop.app.widgets.status import StatusLine
from tui_backprop.config import Config, ConfigError
from tui_backprop.core.figures import fmt
from tui_backprop.training.session import Session, Snapshot


class MainScreen(TrainingControls, SidePane, PlaygroundControls, LessonControls, SnapshotView, Screen[None]):
    # Binding ids start with the help screen's section (see screens/help.py).
    BINDINGS = [
        # Help, quit and the lesson first: the footer shows them even at 80 columns.
        Binding("question_mark", "app.help", "help", id="anywhere.help", key_display="?", tooltip="All keys"),
        Binding("q", "app.quit", "quit", id="anywhere.quit", tooltip="Quit"),
        Binding("v", "lesson", "lesson", id="look.lesson",
                tooltip="The lesson text (on narrow terminals it covers the curve until escape / v)"),
        Binding("space", "toggle_run", "run", id="training.run", tooltip="Run / pause training"),
        Binding("n", "step", "step", id="training.step",
                tooltip="One training step (with pause after backward: up to the backward pass, then the update)"),
        Binding("p", "phase", "phase", id="training.phase", tooltip="One phase: forward L1 … Ln, loss, backward Ln … L1, update"),
        Binding("b", "toggle_pause_after_backward", "pause bwd", id="training.pause_after_backward",
                tooltip="Pause after the backward pass on / off: read the gradients before they are applied"),
        Binding("e", "epoch", "epoch", id="training.epoch", tooltip="One epoch"),
        Binding("backspace", "step_back", "back", id="training.step_back", show=False,
                tooltip="Step back: the exact state one step earlier (on the loss curve, Enter goes to its step)"),
        Binding("r", "reset", "reset", id="training.reset",
                tooltip="Reset to the initial weights (same seed: the run repeats exactly)"),
        Binding("plus,equals_sign", "learning_rate(1)", "lr↑", id="training.lr_up", key_display="+",
                tooltip="Learning rate up through Playground's list (0.00001 … 10)"),
        Binding("minus", "learning_rate(-1)", "lr↓", id="training.lr_down", key_display="-",
                tooltip="Learning rate down"),
        Binding("comma", "speed(-1)", "slower", id="training.slower", key_display=",",
                tooltip="Slower: 1, 3, 10, 30, 100, 300, 1000, 3000 steps a second, full speed"),
        Binding("full_stop", "speed(1)", "faster", id="training.faster", key_display=".",
                tooltip="Faster (the top level is full speed)"),
        Binding("L", "toggle_log", "log", id="look.log_scale", show=False, tooltip="Loss curve: log scale"),
        Binding("a", "toggle_accuracy", "accuracy", id="look.accuracy_curve", show=False,
                tooltip="Curve pane: accuracy instead of loss"),
        Binding("g", "gradient_check", "check", id="look.gradient_check", show=False,
                tooltip="Finite-difference check of the selected layer and weight"),
        Binding("c", "configure", "config", id="look.configure", show=False,
                tooltip="Configuration form (escape leaves it; Enter or Apply uses it)"),
        Binding("escape", "close_side", "close", id="look.close_side", show=False,
                tooltip="Close the lesson / configuration pane on a narrow terminal"),
        *view_bindings(),  # G D S H U I
        Binding("C", "compare", "compare", id="look.compare", show=False,
                tooltip="Compare mode again: the lesson's runs side by side (presets that race two runs)"),
        Binding("i", "hint", "hint", id="lesson.hint", show=False, tooltip="Lesson: show the next hint"),
        Binding("u", "solution", "solution", id="lesson.solution", show=False,
                tooltip="Lesson: show the solution; again: apply it"),
        Binding("y", "toggle_questions", "questions", id="lesson.questions", show=False,
                tooltip="Lesson questions on / off (\"Predict …\": Enter answers, Escape skips)"),
        Binding("t", "toggle_test_points", "test data", id="playground.show_test_data", show=False,
                tooltip="Decision boundary: show the test points too"),
        Binding("x", "toggle_discretize", "discretize", id="playground.discretize", show=False,
                tooltip="Decision boundary: hard class colours"),
        Binding("m", "toggle_neuron_view", "neuron map", id="playground.neuron_map", show=False,
                tooltip="Show the selected hidden neuron's picture large in the boundary pane"),
        Binding("d", "new_data", "new data", id="playground.new_data", show=False,
                tooltip="New data from the next seed, same network (does it generalise?)"),
        Binding("w", "edit_weight", "edit weight", id="playground.edit_weight", show=False,
                tooltip="Type a new value for the selected weight; the forward pass is redone"),
        Binding("s", "save", "save", id="files.save",
                tooltip="Save the session (resume with --resume); export history, network, PyTorch script"),
    ]

    toast_area = None  # where its toasts go (toast_place.py); the screens opened over it put theirs there too
    running: reactive[bool] = reactive(False, bindings=True)
    neuron_view: reactive[bool] = reactive(False)

    def __init__(self, session: Session, *, fps: float = 10.0, questions: bool = True):
        # The lesson is open at start (see on_mount): with its class set now, the first styling includes it
        # instead of styling every pane a second time.
        super().__init__(classes="-side-open")
        self.fps = fps
        self.session = session
        self.questions_on = questions  # the lesson's questions (y, --no-questions)
        session.ask_questions = questions
        self.use_runner(session)
        self.form = None  # the configuration form, made just after the first frame
        self._frame = 0
        self._notice_text: str | None = None

    @property
    def config(self) -> Config:
        """The configuration in use: the session's (live changes such as + / - included)."""
        return self.session.config

    # --------------------------------------------------------------- layout
    def compose(self) -> ComposeResult:
        with Horizontal(id="panes"):
            with TabbedContent(id="side", initial="lesson-tab"):
                with TabPane("Lesson", id="lesson-tab"):
                    yield LessonPane(self.config, questions_on=self.questions_on, id="lesson")
                with TabPane("Config", id="config-tab"):
                    # Made just after the first frame: the form is many widgets, and hidden at start.
                    yield Deferred(self._make_form)
            with Vertical(id="middle"):
                yield LossCurve(id="curve")
                yield DecisionBoundary(id="boundary")
                yield NeuronMaps(id="neuron-maps")
            with Vertical(id="right"):
                yield NetworkDiagram(id="diagram")
                yield Inspector(id="inspector")
            yield ComputationGraph(id="graph")
        yield Static("The terminal is too small for the panes: make it at least 60×16 "
                     "(80×24 or more is best). Keys still work.", id="too-small")
        yield Static("", id="notice")
        yield StatusLine(id="status")
        yield FittedFooter()

    def _make_form(self):
        from tui_backprop.app.widgets.config_form import ConfigForm

        self.form = ConfigForm(self.config, id="config")  # the configuration in use now (+ / - included)
        return self.form

    def on_mount(self) -> None:
        self.query_one(DecisionBoundary).set_title_forms("Decision boundary", "Boundary")
        self.query_one("#diagram").border_title = "Network"
        self.query_one("#inspector").border_title = "Gradient inspector"
        self.query_one("#side").border_title = side_title(self.session)  # (a resumed run: as it was saved)
        self.query_one(ComputationGraph).set_names(self.config.names)
        self.set_interval(1.0 / self.fps, self._redraw)
        self.publish_now()
        self.query_one(Inspector).focus()
        # The first screen teaches: on a narrow terminal the lesson opens over the curve (v or escape closes it).
        self._open_side("lesson-tab")
        if self.config.compare:
            self.open_compare()

    def action_compare(self) -> None:
        """C: back to the comparison escape left (QA8 C4: only reloading the preset brought it back)."""
        if not self.config.compare:
            self.notify("This lesson has no runs to compare (a preset's [[compare]] tables make them).",
                        severity="warning")
            return
        self.runner.pause()
        kept = self._compare
        self.open_compare(kept[1] if kept is not None and kept[0] is self.session else None)

    _compare = None  # (the session it was opened from, its CompareSession): C takes the race up where it was

    def open_compare(self, compare=None) -> None:
        """Presets with two [[compare]] tables open in compare mode (escape returns here; C comes back to it,
        the runs where they were: QA9 B3)."""
        from tui_backprop.app.screens.compare import CompareScreen

        screen = CompareScreen(self.config, fps=self.fps, compare=compare)
        self._compare = (self.session, screen.compare)
        self.app.push_screen(screen)

    # ------------------------------------------------------------ snapshots
    def show_snapshot(self, snap: Snapshot) -> None:
        # Only 2-D inputs have a picture; otherwise the loss curve takes the room.
        self.query_one("#boundary").display = snap.grid is not None
        self.query_one("#neuron-maps").display = snap.grid is not None and len(snap.layers) > 1
        # While running, the detailed panes redraw at a third of the rate: every frame the UI
        # draws is time the training thread waits for the interpreter lock.
        # The curve (plotext: the costliest pane) at half the rate, 5 times a second at full speed.
        self._frame += 1
        slowed = snap.running and snap.speed_limit is None
        detailed = not slowed or self._frame % 3 == 0
        curve = not slowed or self._frame % 2 == 0
        panes = ("#boundary", "#neuron-maps", "#diagram", "#inspector") if detailed else ()
        if curve:
            panes = ("#curve",) + panes
        if detailed and self.has_class("-graph"):
            panes += ("#graph",)
        for wid in panes:
            self.query_one(wid).show(snap)
        self.query_one(StatusLine).show(snap)
        self.lesson_after_snapshot(snap)
        side = self.query_one("#side")
        title = side_title(self.session)  # live: + / - change it, and a resumed run shows what it showed
        if side.border_title != title:
            side.border_title = title
        notice = self.query_one("#notice", Static)
        halted = False
        if snap.halted:
            text, halted = f"[b]⚠ {escape(snap.halted.message)}[/b]", True
        elif snap.message:
            text = escape(self.lesson_mask(snap.message))
        elif snap.paused_after_backward and not snap.running:
            text = ("Gradients computed, not applied yet: read them in the inspector, "
                    "then press n (or p) to apply the update.")
        else:
            text = ""
        if text != self._notice_text:  # only touch it when it changes: an update re-lays out the screen
            self._notice_text = text
            notice.update(text)
            notice.set_class(halted, "-halted")
            notice.display = bool(text)

    # ------------------------------------------------------------ side pane
    @on(TabbedContent.TabActivated, "#side")
    def _side_tab(self) -> None:
        self.fit_lesson()
        self.call_after_refresh(place_toasts, self)  # the form and the lesson keep different rows free

    # -------------------------------------------------------------- looking
    def action_toggle_log(self) -> None:
        self.query_one(LossCurve).action_toggle_log()

    def action_toggle_accuracy(self) -> None:
        curve = self.query_one(LossCurve)
        curve.show_accuracy = not curve.show_accuracy

    async def action_gradient_check(self) -> None:
        """Check the selected layer and weight; a running session pauses first and says so (``pause_first``)."""
        paused = await self.pause_first("for the check")
        inspector = self.query_one(Inspector)
        layer, neuron, weight, _sample = inspector.selection
        check = self.session.check_layer(layer)
        analytic, numeric = self.session.check_weight(layer, neuron, weight)
        inspector.set_layer_check(layer, check)
        inspector.set_weight_check(layer, neuron, weight, analytic, numeric)
        verdict, _, kinks = check.verdict.partition("; ")
        if check.overflowed:  # (not "DISAGREES": a NaN from an overflowed pass is no wrong derivative)
            self.notify(f"{paused}Layer {layer + 1}: backprop {verdict}; nothing to compare with finite differences",
                        timeout=6)
            return
        self.notify(f"{paused}Layer {layer + 1}: backprop {verdict} with finite differences "
                    f"(max relative error {fmt(check.max_relative_error, 2)})" + (f"; {kinks}" if kinks else ""),
                    timeout=10 if kinks else 6 if paused else 4)  # a projected class reads the kink's explanation

    def on_inspector_selection_changed(self, event: Inspector.SelectionChanged) -> None:
        self.query_one(NetworkDiagram).select(event.layer, event.neuron, event.weight, event.sample)
        self.query_one(ComputationGraph).follow(event.layer, event.neuron, event.weight, event.sample)
        last = len(self.session.network.layers) - 1
        self.query_one(NeuronMaps).select(min(event.layer, max(last - 1, 0)),
                                          event.neuron if event.layer < last else None)
        if self.neuron_view:
            self._show_neuron_view()

    def on_computation_graph_node_selected(self, event: ComputationGraph.NodeSelected) -> None:
        self.query_one(Inspector).select(event.layer, event.neuron, event.weight, event.sample)

    def action_toggle_graph(self) -> None:
        """The computation graph takes the main area (G or escape returns)."""
        shown = not self.has_class("-graph")
        self.set_class(shown, "-graph")
        graph = self.query_one(ComputationGraph)
        if shown:
            graph.show(self._shown)
            # once the class has shown it: a hidden widget refuses focus (the graph's border then came out
            # in the unfocused colour in some runs)
            self.call_after_refresh(graph.focus)
        else:
            self.query_one(Inspector).focus()
        self.call_after_refresh(place_toasts, self)

    def leave_graph(self) -> None:
        """Before another view opens: views open over the main view, one at a time, so escape returns there
        (not to the graph, which a view opened from it used to leave underneath)."""
        if self.has_class("-graph"):
            self.action_toggle_graph()

    def action_toggle_diagram_gradients(self) -> None:
        self.leave_graph()  # from the graph: the diagram it switches is on the main view
        diagram = self.query_one(NetworkDiagram)
        diagram.show_gradients = not diagram.show_gradients
        loss = dict(self.config.names or ()).get("L", "L")  # the lesson's name, as the diagram's legend (C)
        self.notify("Diagram: " + (f"gradients ∂{loss}/∂w, δ" if diagram.show_gradients else "weights w, a"),
                    timeout=2)

    # ---------------------------------------------------------------- files
    async def action_save(self) -> None:
        from tui_backprop.app.screens.save import SaveScreen

        paused = await self.pause_first("to save")  # said once the dialog closes: at 80×24 it would cover it
        base = Path.cwd() / f"{self.config.name}-step{self.session.step_count}"

        def saved(paths: list[Path] | None) -> None:
            if paths:
                self.notify(paused + "Saved " + ", ".join(str(p) for p in paths), timeout=8 if paused else 6)
            else:
                self.say_paused(paused)

        self.app.push_screen(SaveScreen(self.session, base, served=self.app.served), saved)

    def switch_session(self, session: Session, opened: bool = False) -> None:
        """Show another session (a loaded preset, or rebuilt from the form). ``opened``: a lesson picked with
        o, whose text opens as on the first screen (over the curve at 80×24: QA8 C14), not the form's tab."""
        from tui_backprop.app.screens.compare import CompareScreen

        from tui_backprop.app.screens.sweep import SweepScreen

        while isinstance(self.app.screen, CompareScreen):
            self.app.pop_screen()
        if isinstance(self.app.screen, SweepScreen):  # a sweep of the old configuration: its rows aren't this one's
            self.app.screen.action_leave()
        self.session = session
        self.use_runner(session)  # the old runner is cancelled; anything it still publishes is dropped
        self.query_one(LessonPane).show_lesson(session.config)
        self.fit_lesson()
        session.ask_questions = self.questions_on
        if self.form is not None and self.form.is_mounted:
            self.form.load(session.config)
        elif self.form is not None:
            self.form.config = session.config
        self.query_one(ComputationGraph).new_session(session.config.names)
        self.query_one("#side").border_title = side_title(session)
        inspector = self.query_one(Inspector)
        inspector.select(0, 0, 0, 0)
        inspector.scroll_home(animate=False)
        inspector.focus()  # arrows, [ ] and < > work at once in the new lesson
        self.publish_now()
        if opened:
            self._open_side("lesson-tab")
        if session.config.compare:
            self.open_compare()

    # -------------------------------------------------------- configuration
    def on_config_form_applied(self, event) -> None:
        """Apply (or Enter) in the form (a ``ConfigForm.Applied``)."""
        from tui_backprop.app.screens.confirm import ConfirmScreen
        from tui_backprop.app.widgets.config_form import describe_changes

        form = self.form
        if event.live:
            t = event.config.training
            changes = {k: getattr(t, k) for k in event.changed}
            if "optimizer" in changes:
                changes["optimizer_settings"] = t.optimizer_settings
            self.runner.call_between_steps(lambda s: s.set_training(**changes))
            form.confirm_applied(event.config, "Applied live: " + ", ".join(sorted(event.changed)) + ".")
            self.publish_now()
            return

        def answer(yes: bool | None) -> None:
            if not yes:
                form.load(form.config)
                form.confirm_applied(form.config, "Not applied: the form shows the settings in use again.")
                return
            try:
                session = Session(event.config, lesson=self.session.lesson_config)
            except ConfigError as exc:
                form.confirm_applied(form.config, f"[red]{exc}[/red]")
                return
            self.switch_session(session)
            form.confirm_applied(event.config, "Rebuilt the network with the new settings.")

        what = describe_changes(event.changed)
        self.app.push_screen(ConfirmScreen(f"Changing {what} builds a new network and starts training again "
                                           "from step 0.\nApply and reset?"), answer)


def side_title(session: Session) -> str:
    """The lesson's name, "(changed)" when a setting of it was, and the seed when it is not the lesson's (a sweep's
    row opened, the Config tab). The session judges, as for the line above the lesson: put back as it was, it is
    the lesson's again."""
    seed = session.config.network.seed
    return (session.config.name + (" (changed)" if session.settings_changed else "") +
            ("" if seed == session.lesson_config.network.seed else f" · seed {seed}"))  # (100×30: 26 cells)
