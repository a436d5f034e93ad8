"""The network diagram's header: a label per column ("in", "L1 tanh" … "out sigm"), placed so none touch.

No Textual here: the widget (``widgets/diagram.py``) draws what this places.
"""

from __future__ import annotations

from tui_backprop.training.snapshot import Snapshot

# Activation names short enough for a column header.
SHORT_ACTIVATION = {"tanh": "tanh", "sigmoid": "sigm", "relu": "relu", "linear": "lin",
                    "leaky_relu": "lrelu", "softmax": "smax"}


def short_activation(name: str) -> str:
    return SHORT_ACTIVATION.get(name, name[:4])


LABEL_GAP = 2  # blank cells between two header labels, so "L1 sigm  L2 sigm" reads as two


def header_labels(snap: Snapshot) -> list[tuple[str, ...]]:
    """Per column, its label in three forms: long, medium, short."""
    labels: list[tuple[str, ...]] = [("in", "in", "x")]
    last = len(snap.layers) - 1
    for i, layer in enumerate(snap.layers):
        act = short_activation(layer.activation)
        if i == last:
            labels.append((f"out {act}", "out", "ŷ"))
        else:
            labels.append((f"L{i + 1} {act}", f"L{i + 1}", f"{i + 1}"))
    return labels


def place_labels(labels: list[tuple[str, ...]], xs: list[int], width: int) -> list[tuple[int, str] | None]:
    """(start, text) per column, near its nodes and never touching a neighbour (None: left out).

    All columns take the same form, the longest that fits everywhere: "L3 tanh"
    (two blank cells apart, so a name reads with its own layer), else "L3",
    else "3". A label that does not fit even then is left out rather than
    pushing the others out of place.
    """
    placed: list[tuple[int, str] | None] = []
    for level, gap in ((0, LABEL_GAP), (1, 1), (2, 1)):
        placed = _place([forms[min(level, len(forms) - 1):][:1] for forms in labels], xs, width, gap)
        if all(found is not None for found in placed):
            break
    return placed


def _place(labels: list[tuple[str, ...]], xs: list[int], width: int, gap: int) -> list[tuple[int, str] | None]:
    placed: list[tuple[int, str] | None] = []
    previous_end = -1  # last cell used by the label on the left
    for c, (x, forms) in enumerate(zip(xs, labels)):
        choice = None
        for text in forms:
            n = len(text)
            start = min(max(x - n // 2, previous_end + 1 + gap if previous_end >= 0 else 0), width - n)
            if start < 0 or (previous_end >= 0 and start < previous_end + 1 + gap):
                continue
            if c + 1 < len(xs):
                # Leave the next column room for its shortest label, centred on its node.
                next_short = min(len(t) for t in labels[c + 1])
                if start + n - 1 + gap >= xs[c + 1] - next_short // 2:
                    continue
            choice = (start, text)
            break
        placed.append(choice)
        if choice is not None:
            previous_end = choice[0] + len(choice[1]) - 1
    return placed
