"""The lesson pane: the text, the goals (✓ / ✗, live), the question score, hints and the solution."""

from __future__ import annotations

from rich.markup import escape
from textual.widgets import Static

from tui_backprop.config import Config
from tui_backprop.lessons import GoalResult, Question, mask


def reflow(text: str) -> str:
    """Join a lesson's wrapped lines so the pane can wrap them to its own width.

    Blank lines separate paragraphs; indented lines (worked formulas) keep their breaks.
    """
    out: list[str] = []
    for line in text.strip().splitlines():
        if not line.strip():
            out.append("")
        elif line.startswith((" ", "\t")) or not out or not out[-1] or out[-1].startswith((" ", "\t")):
            out.append(line.rstrip())
        else:
            out[-1] = out[-1] + " " + line.strip()
    return "\n".join(out)


class LessonPane(Static):
    """Everything the lesson says; answers of questions not yet asked stay hidden."""

    def __init__(self, config: Config, questions_on: bool = True, **kwargs):
        super().__init__("", **kwargs)
        self.questions_on = questions_on  # off: nothing is asked, so nothing is hidden
        self.show_lesson(config, modified=False)

    def show_lesson(self, config: Config, modified: bool) -> None:
        self.config = config
        self.modified = modified
        self.goals: tuple[GoalResult, ...] = ()
        self.answers: dict[Question, str] = {}  # "correct", "wrong" or "skipped"
        self.hints_shown = 0
        self.solution_shown = False
        self.update(self.text())

    def unanswered(self) -> tuple[Question, ...]:
        """Questions still to come, whose answers stay hidden (none while questions are off)."""
        if not self.questions_on:
            return ()
        return tuple(q for q in self.config.questions if q not in self.answers)

    def set_goals(self, results: tuple[GoalResult, ...]) -> None:
        if results != self.goals:
            self.goals = results
            self.update(self.text())

    def answered(self, question: Question, verdict: str) -> None:
        self.answers[question] = verdict
        self.update(self.text())

    def redraw(self) -> None:
        self.update(self.text())

    def text(self) -> str:
        c = self.config
        parts = [f"[b]{escape(c.title)}[/b]"]
        if self.modified:
            parts.append("[i]You changed this preset in the Config tab, so the lesson below may no longer match "
                         "what you see. Press o to reload a preset.[/i]")
        if c.goals:
            met = sum(g.met for g in self.goals)
            lines = [f"[b]Goals[/b] ({met} of {len(c.goals)} met" + (": solved!)" if met == len(c.goals) else ")")]
            for g in self.goals or ():
                mark = "[green]✓[/green]" if g.met else "[red]✗[/red]"
                when = (f" (step {g.step:,})" if g.met and g.step is not None else
                        " (missed: past its deadline; r resets)" if g.missed else "")
                lines.append(f" {mark} {escape(g.text)}{when}")
            keys = []
            if c.hints:
                keys.append(f"i: a hint ({self.hints_shown} of {len(c.hints)} shown)")
            if c.solution is not None:
                keys.append("u: the solution")
            if keys:
                lines.append("[dim]" + " · ".join(keys) + "[/dim]")
            parts.append("\n".join(lines))
        if c.questions:
            correct = sum(v == "correct" for v in self.answers.values())
            skipped = sum(v == "skipped" for v in self.answers.values())
            state = "" if self.questions_on else " — questions off (y turns them on)"
            parts.append(f"[b]Questions[/b]: {correct} of {len(c.questions)} correct"
                         + (f", {skipped} skipped" if skipped else "") + state)
        lesson = reflow(c.lesson) or "(This preset has no lesson text.)"
        parts.append(escape(mask(lesson, self.unanswered())))
        for i, hint in enumerate(c.hints[: self.hints_shown]):
            parts.append(f"[b]Hint {i + 1}[/b]: {escape(hint)}")
        if self.solution_shown and c.solution is not None:
            parts.append(f"[b]Solution[/b]: {escape(c.solution.text)}\n[dim]u again: apply it (a new network, "
                         f"from step 0)[/dim]")
        return "\n\n".join(parts)
