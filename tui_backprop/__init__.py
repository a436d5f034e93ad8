"""tui-backprop: watch backpropagation happen, step by step, in a terminal."""

__version__ = "0.1.0"
