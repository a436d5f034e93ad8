"""Lines that wrap between pieces, never inside one, with a hanging indent: the inspector's and the lesson's.

A narrow pane (80×24: 35 columns) cannot hold "mean of 10: z 0.065 a 0.146 δ 0.00581" on one line;
left to rich, it breaks at any space and leaves "δ" at a line's end with its value on the next. Here a
line is a list of pieces (a label with its value, a factor, a bracketed note) laid out up to a width,
and a piece that does not fit starts the next line, indented under the line's first value.
The lesson pane wraps its worked formulas the same way (``hanging``), a word a piece, and its paragraphs
(``paragraph``) with the same glue: a name keeps its "= value", a lone operator its operands.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rich.cells import cell_len
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
    A piece wider than a whole line is cut at the line's end and goes on at ``hang`` on the next.
    A (gap, piece) pair sets the gap before that one piece ("∂z/∂w2  (sample 1)": two spaces where
    the rest have one).
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
        while column + part.cell_len > width and column < width:  # longer than the line: cut it there
            head, part = _cut(part, width - column)
            if not head:
                break
            out.append_text(head)
            out.append("\n" + " " * hang)
            column = hang
        out.append_text(part)
        column += part.cell_len
    out.append("\n")


def _cut(text: Text, cells: int) -> tuple[Text, Text]:
    """``text`` cut after at most ``cells`` columns (a wide character is not split)."""
    used = 0
    for i, char in enumerate(text.plain):
        used += cell_len(char)
        if used > cells:
            return text[:i], text[i:]
    return text, Text()


def prose(out: Text, text: str, width: int, indent: str = " ", style: str | Style = "dim") -> None:
    """A sentence as one line, or several broken between words (NBSP: a space it never breaks at)."""
    flow(out, words(text, style), width, indent, gap=" ")


OPERATORS = frozenset("=−+-·×→/<>≤≥≈")  # a lone one goes to the next line with its operand, not at a line's end
_WORD = re.compile(r"( *)(\S+)")


def hanging(line: Text, width: int, hang: int) -> list[Text]:
    """``line`` as lines of at most ``width`` columns, broken between words, continuations ``hang`` columns in.

    Its own spacing stays where it does not break (aligned "= −6 · 6     = −36"). Where they fit on a line,
    a bracket's words stay together and a lone operator goes with the word after it ("= 0.6225", not "="
    at a line's end); a word longer than a line is cut. A line that fits comes back as it is.
    """
    if line.cell_len <= width:
        return [line]
    hang = min(hang, max(width - 1, 0))
    room = width - hang
    indent, words = _words(line)
    pieces = _glue_names(_keep_clauses(_glue_operators(_keep_brackets(words, room - 2), room), room), room)
    return _laid_out(pieces, width, indent, hang)


def paragraph(line: Text, width: int) -> list[Text]:
    """A paragraph's line as lines of at most ``width`` columns, broken between words as prose is, except that a
    lone operator stays with the words either side ("(ŷ − 20)²", "1 − 0.3·8") and whatever comes before an "="
    or "→" keeps it ("w = 2", "L = (ŷ − 20)² = 81"), where that fits a line: never "b =" at a line's end, "3"
    on the next. A sum or product is kept whole before an equation is, so a long one breaks at an "=", not
    inside "= −18 · 4" (no false "… = −18" at a line's end). Continuations go under the line's indent."""
    if line.cell_len <= width:
        return [line]
    indent, words = _words(line)
    room = max(width - len(indent), 1)
    terms = _glue_names(_glue_operators(words, room), room, TERMS, any_name=True)
    return _laid_out(_glue_names(terms, room, RELATIONS, any_name=True), width, indent, len(indent))


Spaced = tuple[str, Text]  # a word and the spaces before it


def _words(line: Text) -> tuple[str, list[Spaced]]:
    """The line's indent and its words, each with the spaces before it (kept where the line does not break)."""
    plain = line.plain
    indent = plain[: len(plain) - len(plain.lstrip(" "))]
    return indent, [(m.group(1), line[m.start(2): m.end(2)]) for m in _WORD.finditer(plain, len(indent))]


def _laid_out(pieces: list[Spaced], width: int, indent: str, hang: int) -> list[Text]:
    out = Text()
    flow(out, pieces, width, indent=indent, hang=hang)
    return list(out.split("\n"))


def _joined(words: list[Spaced]) -> Spaced:
    return words[0][0], Text.assemble(words[0][1], *(part for gap, word in words[1:] for part in (gap, word)))


def _keep_brackets(words: list[Spaced], room: int) -> list[Spaced]:
    """Words inside one bracket as one piece ("(a − y)·σ'(z)"), where it fits in ``room`` columns (pass two
    fewer than a line has: an operator before it, "= ", must fit with it or be left at a line's end)."""
    out: list[Spaced] = []
    group: list[Spaced] = []
    depth = 0
    for word in words:
        text = word[1].plain
        depth += sum(text.count(c) for c in "([{") - sum(text.count(c) for c in ")]}")
        group.append(word)
        if depth <= 0:
            joined = _joined(group)
            out.extend([joined] if len(group) > 1 and joined[1].cell_len <= room else group)
            group, depth = [], 0
    return out + group


def _glue_operators(words: list[Spaced], room: int) -> list[Spaced]:
    """A lone operator and the word after it as one piece, where that fits in ``room`` columns."""
    out: list[Spaced] = []
    for word in words:
        if out and out[-1][1].plain in OPERATORS:
            joined = _joined([out[-1], word])
            if joined[1].cell_len <= room:
                out[-1] = joined
                continue
        out.append(word)
    return out


RELATIONS = ("= ", "→ ")  # a clause starts at one: "= −18 · 4" is kept whole, never "−18" then "· 4 = −72"
TERMS = tuple(f"{op} " for op in sorted(OPERATORS) if f"{op} " not in RELATIONS)  # "− 20)²", "· 4": a term goes on


def _keep_clauses(words: list[Spaced], room: int) -> list[Spaced]:
    """The words from one "=" (or "→") to the next, or to a comma, as one piece where it fits in ``room``: a
    line broken inside "= −18 · 4" read "∂L/∂w = ∂L/∂ŷ · x = −18" on its own, a false equation."""
    out: list[Spaced] = []
    clause: list[Spaced] = []

    def close() -> None:
        joined = _joined(clause) if len(clause) > 1 and clause[0][1].plain.startswith(RELATIONS) else None
        out.extend([joined] if joined is not None and joined[1].cell_len <= room else clause)
        clause.clear()

    for word in words:
        if word[1].plain.startswith(RELATIONS):
            close()
        clause.append(word)
        if word[1].plain.endswith((",", ";")):
            close()
    close()
    return out


def _glue_names(words: list[Spaced], room: int, leads: tuple[str, ...] = RELATIONS,
                any_name: bool = False) -> list[Spaced]:
    """A name and the "= value" after it as one piece ("C = 0.0713", not "C" at a line's end), where it fits.

    ``leads``: what starts the piece that stays with the one before it. The name is one word unless
    ``any_name`` (a paragraph: "L = (ŷ − 20)²" keeps its "= 81" too, where the whole fits).
    """
    out: list[Spaced] = []
    for word in words:
        if out and word[1].plain.startswith(leads):
            name = out[-1][1].plain
            joined = _joined([out[-1], word])
            named = any_name or (" " not in name and name not in OPERATORS)
            if named and not name.endswith(",") and joined[1].cell_len <= room:
                out[-1] = joined
                continue
        out.append(word)
    return out
