"""Each layer keeps its state to itself (docs/architecture.md): only ``training/`` reads a session's ``_…``
attributes and only ``core/`` a network's; everything else goes through their public methods and views.

Checked statically on the source of the package and the benchmarks: outside ``core/`` and ``training/``
no ``x._name`` (nor ``getattr(x, "_name")``) on anything but ``self`` / ``cls``; inside ``training/`` none on
an object of the core (a network, its optimizer, its work buffers).
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OWNERS = ("core", "training")  # each may touch its own objects' private state
# What training/ calls the core's objects: their private state is the core's alone.
CORE_OBJECTS = {"network", "net", "networks", "reference", "optimizer", "population", "ws"}
# Other libraries' private names, reached on purpose (the reason beside each): not our boundaries.
ALLOWED = {
    ("tui_backprop/serve.py", "_exit"): "os._exit: the standard library's exit without clean-up",
    ("tui_backprop/app/widgets/late_plot.py", "_set_size"): "textual-plotext's own render resizes its plot so",
    ("tui_backprop/app/screens/type_ahead.py", "_stop_propagation"): "Textual's Message has no public 'stopped': "
                                                                       "a key a widget stopped never reaches the app",
    ("tui_backprop/app/toast_place.py", "_toast_id"): "Textual removes a dropped toast but not its holder (the holder "
                                                      "kept its rows): the holder's id (tests/app/test_toasts.py)",
}
REFLECTION = ("getattr", "setattr", "hasattr", "delattr")


def private_reaches(tree: ast.AST) -> list[tuple[int, str, str]]:
    """(line, object, private name) for every ``object._name`` and ``getattr(object, "_name")``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            owner, name = node.value, node.attr
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in REFLECTION \
                and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) \
                and isinstance(node.args[1].value, str):
            owner, name = node.args[0], node.args[1].value
        else:
            continue
        if name.startswith("_") and not name.startswith("__"):
            found.append((node.lineno, node.col_offset, ast.unparse(owner), name))
    return [(line, owner, name) for line, _, owner, name in sorted(found)]


def violations(root: Path = ROOT, parts: tuple[str, ...] = ("tui_backprop", "benchmarks")) -> list[str]:
    bad = []
    for part in parts:
        for path in sorted((root / part).rglob("*.py")):
            where = path.relative_to(root).as_posix()
            layer = where.split("/")[1] if part == "tui_backprop" and where.count("/") > 1 else ""
            if layer == "core":
                continue
            for line, owner, name in private_reaches(ast.parse(path.read_text(encoding="utf-8"))):
                if owner in ("self", "cls", "super()") or (where, name) in ALLOWED:
                    continue
                if layer == "training" and owner.split(".")[-1] not in CORE_OBJECTS and name != "_ws":
                    continue  # training's own objects
                bad.append(f"{where}:{line} {owner}.{name}")
    return bad


def test_no_private_state_is_reached_across_layers():
    assert violations() == []


def test_the_allowed_reaches_still_exist():
    """An exception whose code is gone is removed from the list, so the list stays short and true."""
    for where, name in ALLOWED:
        reaches = private_reaches(ast.parse((ROOT / where).read_text(encoding="utf-8")))
        assert any(reached == name for _, _, reached in reaches), (where, name)


def test_the_check_catches_a_reach(tmp_path):
    """The checker itself can fail: the reaches the issue names are reported, a layer's own are not."""
    package = tmp_path / "tui_backprop"
    for layer in ("app", "core", "training"):
        (package / layer).mkdir(parents=True)
    (package / "cli.py").write_text("def trace(session):\n    return session._next, session.step()\n")
    (package / "app" / "view.py").write_text(
        "def show(self, runner):\n"
        "    self.session._fired.clear()\n"
        "    return getattr(runner, '_latest', None), self._frame, self.session.network.layers\n")
    (package / "training" / "session.py").write_text(
        "def step(self, probe):\n"
        "    probe._n += 1\n"  # training's own object: fine
        "    return self.network._ws, self._order, probe.ws._bind_inputs\n")
    (package / "core" / "network.py").write_text("def bind(ws):\n    ws._bind_inputs()\n")  # the core's own
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "bench.py").write_text("def run(net):\n    return net._ws\n")
    assert violations(tmp_path) == [
        "tui_backprop/app/view.py:2 self.session._fired",
        "tui_backprop/app/view.py:3 runner._latest",
        "tui_backprop/cli.py:2 session._next",
        "tui_backprop/training/session.py:3 self.network._ws",
        "tui_backprop/training/session.py:3 probe.ws._bind_inputs",
        "benchmarks/bench.py:2 net._ws",
    ]
