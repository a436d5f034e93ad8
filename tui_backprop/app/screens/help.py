"""The ? screen: every key, grouped, in plain words."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

HELP = """\
[b]Training[/b]
  space     run / pause
  n         one step (with pause after backward: up to the backward
            pass, then the update)
  p         one phase: forward → loss → backward → update
  b         pause after backward on/off (read gradients before they are applied)
  e         one epoch
  f         slow motion (20 steps a second) / full speed
  r         reset to the initial weights (same seed: the run repeats exactly)
  + / -     learning rate up / down through Playground's list
            (0.00001 … 10)

[b]Looking[/b]
  tab / shift+tab   move between panes
  ← → (h l)         inspector: previous / next layer
  ↑ ↓ (k j)         inspector: previous / next neuron
  [ ]               inspector: previous / next weight of the neuron (last one is the bias)
  < >               inspector: previous / next sample of the batch
  g                 finite-difference check of the selected layer and weight
  l / L             loss curve: log scale (l means "next layer" while the inspector has focus; L works anywhere)
  c                 configuration form (escape leaves it; Enter or Apply uses it)
  v                 the lesson text (on narrow terminals it replaces the curve until escape / v)
  i / u             lesson: the next hint / the solution (u again applies it)
  y                 lesson questions on / off ("Predict …": Enter answers, Escape skips)
  page up / down    scroll the inspector
  a                 curve pane: accuracy instead of loss (classification)
  G                 computation graph of the selected sample: every value and gradient, the chain rule
                    (arrows pick a node, < > the sample; G or escape returns)
  D                 network diagram: weights, or gradients (edges by ∂L/∂w, nodes by δ)
  ← → (curve)       when the loss curve has focus: a cursor with the exact step and loss

[b]Playground[/b]
  t         decision boundary: show the test points too
  x         decision boundary: discretized output (hard class colours)
  m         show the selected hidden neuron's picture large in the boundary pane
  d         new data from the next seed, same network (does it generalise?)
  w         type a new value for the selected weight; the forward pass is redone

[b]Many seeds[/b]
  S         sweep seeds: 32 seeds of this configuration trained at once (the run here
            pauses); every run's loss, the median, how many got stuck; Enter on a run
            opens its seed here, escape returns

[b]Views[/b] (escape returns; space and n still run and step)
  H         loss landscape: loss over two weights, the path, the next step −lr·g
            (m one weight and its tangent · t batch / training set · [ ] < > pick
            the weights · z Z zoom)
  U         layer statistics: update:weight ratio per layer over time, histograms
  I         digits view (digits lesson): image, probabilities, layer 1's weights

[b]Files[/b]
  o         open a preset
  s         save the session (resume with --resume) and export history, network, PyTorch script
  q         quit          ?  this help
  ctrl+p    command palette: every action by name

[b]Compare mode[/b] (presets with two runs)
  space run/pause both · n one step each · e one epoch · r reset both · l log · escape back
  H         loss landscape with both runs' paths

Escape, q or ? closes this help.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.close"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 84; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(HELP, id="help-text")

    def action_dismiss(self) -> None:
        self.dismiss(None)
