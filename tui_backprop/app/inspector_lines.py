"""Inspector lines that wrap between label-and-value pairs, never inside one.

A narrow pane (80×24: 35 columns) cannot hold "mean of 10: z 0.065 a 0.146 δ 0.00581" on one line;
left to rich, it breaks at any space and leaves "δ" at a line's end with its value on the next. Here a
line is a list of pieces (a label with its value, a factor, a bracketed note) laid out up to a width,
and a piece that does not fit starts the next line, indented under the line's first value.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.style import Style
from rich.text import Text

Part = str | tuple[str, str | Style]
NBSP = "\u00a0"  # in ``words``: a space the line never breaks at ("backward L1", "press p")


def piece(*parts: Part) -> Text:
    """One unbreakable piece: ``piece(("δ ", "dim"), "0.0058")``."""
    return Text.assemble(*parts)


def words(text: str, style: str | Style = "") -> list[Text]:
    """Prose as pieces, one a word (words joined by NBSP stay together): it wraps between them."""
    return [Text(word.replace(NBSP, " "), style=style) for word in text.split(" ") if word]


def flow(out: Text, pieces: Iterable[Text | tuple[str, Text] | None], width: int, indent: str = " ",
         hang: int | None = None, gap: str = "  ", gap_style: str | Style = "") -> None:
    """Append ``pieces`` as one line (``gap`` between them) up to ``width`` columns, and a newline.

    A piece that would run past ``width`` starts a new line, ``hang`` columns in (default: two more
    than ``indent``, so the continuation reads as part of the line above). None pieces are skipped.
    A piece wider than the whole line gets a line of its own (and rich folds it). A (gap, piece) pair
    sets the gap before that one piece ("∂z/∂w2  (sample 1)": two spaces where the rest have one).
    """
    hang = len(indent) + 2 if hang is None else hang
    out.append(indent)
    column, first = len(indent), True
    for part in pieces:
        if part is None:
            continue
        space, part = part if isinstance(part, tuple) else (gap, part)
        if first:
            first = False
        elif column + len(space) + part.cell_len > width:
            out.append("\n" + " " * hang)
            column = hang
        else:
            out.append(space, style=gap_style)
            column += len(space)
        out.append_text(part)
        column += part.cell_len
    out.append("\n")


def prose(out: Text, text: str, width: int, indent: str = " ", style: str | Style = "dim") -> None:
    """A sentence as one line, or several broken between words (NBSP: a space it never breaks at)."""
    flow(out, words(text, style), width, indent, gap=" ")
