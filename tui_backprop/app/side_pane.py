"""The main view's side pane (the lesson and the configuration form): where it goes at each width, what
opens and closes it, and where the keys go after. A mixin for ``screens/main.py``.

On a wide terminal the lesson widens the pane, or covers the curve (and the right column) so its formulas
keep their lines; on a narrow one it covers the panes until the first training key or escape.
"""

from __future__ import annotations

from textual.widgets import TabbedContent

from tui_backprop.app.toast_place import place_toasts
from tui_backprop.app.widgets.inspector import Inspector
from tui_backprop.app.widgets.lesson_pane import lesson_layout


class SidePane:
    """The side pane's layout and the keys that open and close it (v, c, escape)."""

    # A training key made the covering lesson give way (or would have): a narrower terminal later must not
    # bring it back over the panes; v (or c) asks for the pane again and clears it.
    _made_way = False

    def _lesson_makes_way(self) -> None:
        """The first training key shows the panes the lesson covered (v brings it back).

        A lesson that only covers the curve (``-lesson-over-middle``) stays: the inspector is beside it.
        """
        self._made_way = True
        if (self.has_class("-narrow") or self.has_class("-lesson-over-all")) and self.has_class("-side-open") \
                and self.query_one("#side", TabbedContent).active == "lesson-tab":
            self.remove_class("-side-open")
            self.fit_lesson()
            self.call_after_refresh(self._after_layout, True)

    def _after_layout(self, panes_back: bool = False) -> None:
        self._focus_panes(panes_back)
        place_toasts(self)  # over the curve, wherever it is now

    def _focus_panes(self, panes_back: bool = False) -> None:
        """Keys reach what is on screen, without a Tab first: the lesson while it covers the panes
        (the arrows scroll it), else the inspector ([ ] arrows < >), also when the panes come back
        from under the lesson (``panes_back``) on a wide terminal, where the lesson stays beside them."""
        side = self.query_one("#side", TabbedContent)
        if panes_back and self.focused is not None and side in self.focused.ancestors:
            self.query_one(Inspector).focus()
            return
        covering = self.has_class("-side-open") and side.active == "lesson-tab" and not self.has_class("-graph") \
            and (self.has_class("-narrow") or self.has_class("-lesson-over-all"))
        focused = self.focused
        if covering:
            # Everything outside the side pane is covered, whether or not its region is laid out yet.
            if focused is None or not focused.region or side not in focused.ancestors:
                self.lesson_pane.focus()
        elif focused is None or not focused.region:  # hidden with the lesson (or never set)
            self.query_one(Inspector).focus()

    def on_resize(self) -> None:
        self.fit_lesson()
        self.call_after_refresh(self._after_resize)

    def _after_resize(self) -> None:
        if self._made_way:  # the width classes are the new ones by now
            self._lesson_makes_way()
        self._after_layout()

    def fit_lesson(self) -> None:
        """Give the lesson's formulas their whole lines: widen the side pane, or let it cover the curve
        (and the right column when even that is too narrow). Narrow terminals have their own rules."""
        side = self.query_one("#side", TabbedContent)
        mode, width = "side", None
        if self.has_class("-wide") and self.has_class("-side-open") and side.active == "lesson-tab" \
                and not self.has_class("-graph"):
            right = self.query_one("#right").styles.width
            mode, width = lesson_layout(self.size.width, int(right.value) if right else 46,
                                        self.lesson_pane.preformatted_width)
        self.set_class(mode == "over-middle", "-lesson-over-middle")
        self.set_class(mode == "over-all", "-lesson-over-all")
        side.styles.width = width  # None: the stylesheet's width

    def action_configure(self) -> None:
        self._open_side("config-tab")
        if self.form is None or not self.form.is_mounted:
            return
        # The first field the lesson leaves free: a locked one cannot take focus, and keys typed with none
        # focused would run the main view's (space trains, u shows the solution: QA8 B5).
        field = self.form.first_free_field()
        if field is not None:
            field.focus()
            # (the tab has just opened: scrolled to once laid out, else Learning rate is typed into off-screen)
            self.call_after_refresh(self.call_after_refresh, field.scroll_visible, animate=False)
            return
        self.form.focus_read_only()
        locks = self.config.locks
        self.notify(f"Locked by this lesson: every setting in this tab. {locks.why} The tab is only to read; "
                    "escape closes it.", severity="warning", timeout=6)

    def action_lesson(self) -> None:
        covering = self.has_class("-narrow") or self.has_class("-lesson-over-middle") \
            or self.has_class("-lesson-over-all")
        if covering and self.has_class("-side-open") and not self.has_class("-graph") \
                and self.query_one("#side", TabbedContent).active == "lesson-tab":
            self.close_side()
            return
        self._open_side("lesson-tab")

    def _open_side(self, tab: str) -> None:
        if self.has_class("-graph"):
            self.action_toggle_graph()  # the lesson and the form live in the main view
        self._made_way = False
        self.add_class("-side-open")
        self.query_one("#side", TabbedContent).active = tab
        self.fit_lesson()
        self.call_after_refresh(self._after_layout)

    def action_close_side(self) -> None:
        self.close_side()

    def close_side(self) -> None:
        """On a narrow terminal the side pane covers the curve; escape closes it (and the graph view)."""
        self.remove_class("-side-open")
        if self.has_class("-graph"):
            self.action_toggle_graph()
        self.fit_lesson()
        self.call_after_refresh(self._after_layout, True)
