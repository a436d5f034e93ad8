"""A plotext figure made just after the first frame: importing plotext costs ~40 ms of the app's start.

``LatePlot`` is mixed into a widget that draws with plotext (the loss curve): until
the figure exists, ``plt`` takes the drawing calls and does nothing, so the
widget's first frame shows what it writes itself (the readout) and the axes
follow right after. The figure is textual-plotext's ``Plot`` in the app's theme's
colours, as its ``PlotextPlot`` widget draws it.
"""

from __future__ import annotations

from rich.text import Text


class _NoFigure:
    def __getattr__(self, name):
        return lambda *args, **kwargs: None


class LatePlot:
    _figure = None

    def make_figure_after_first_frame(self) -> None:
        self.call_after_refresh(self._make_figure)

    def _make_figure(self) -> None:
        from textual_plotext import Plot

        self._figure = Plot()
        self.app.theme_changed_signal.subscribe(self, lambda theme: self._register_theme())
        self._register_theme()
        self.replot()

    @property
    def plt(self):
        """textual-plotext's ``Plot``; before it is made, something that takes the same calls and draws nothing."""
        return self._figure if self._figure is not None else _NoFigure()

    @property
    def has_figure(self) -> bool:
        return self._figure is not None

    def _theme_name(self) -> str:
        return f"textual-auto-{self.app.theme}"

    def _register_theme(self) -> None:
        """plotext's colours for the app's theme: its surface and foreground, as PlotextPlot's "auto" theme.

        (plotext has no public way to add a theme: this reads the same private table PlotextPlot writes.)
        """
        from plotext._dict import themes
        from textual.color import Color
        from textual_plotext.plot import _rgbify_theme, _sequence

        if self._theme_name() not in themes:
            colours = self.app.theme_variables
            surface = Color.parse(colours.get("surface")).rgb
            themes[self._theme_name()] = _rgbify_theme(surface, surface, Color.parse(colours.get("foreground")).rgb,
                                                      "default", _sequence)
        self.refresh()

    def build_figure(self, width: int, height: int) -> Text:
        self._figure.plotsize(width, height)
        self._figure._set_size(width, height)  # as PlotextPlot.render does: resizing needs both
        self._figure.theme(self._theme_name())
        return Text.from_ansi(self._figure.build())
