"""The wheel ships the presets, so a non-editable install finds them."""

import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(importlib.util.find_spec("hatchling") is None,
                    reason="needs hatchling (in the test extra) to build a wheel offline")
def test_wheel_contains_the_presets(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    wheels = list(tmp_path.glob("tui_backprop-*.whl"))
    assert len(wheels) == 1
    names = set(zipfile.ZipFile(wheels[0]).namelist())
    for preset in ("xor", "one-weight", "chain-two-weights", "neuron-with-bias"):
        assert f"tui_backprop/_presets/{preset}.toml" in names
    shipped = {p.name for p in (ROOT / "presets").glob("*.toml")}
    assert shipped <= {Path(n).name for n in names if n.startswith("tui_backprop/_presets/")}
    assert "tui_backprop/core/network.py" in names
    # The digits data and its attribution ship inside the package: nothing is downloaded at run time.
    assert {"tui_backprop/core/data/digits.u8.gz", "tui_backprop/core/data/DIGITS-ATTRIBUTION.md"} <= names
    assert not any(n.startswith("tests/") for n in names)
    entry = [n for n in names if n.endswith("entry_points.txt")]
    assert entry and "tui-backprop = tui_backprop.cli:main" in zipfile.ZipFile(wheels[0]).read(entry[0]).decode()


def test_presets_are_found_inside_an_installed_package(tmp_path, monkeypatch):
    """shipped_dir() prefers tui_backprop/_presets (the wheel's layout) when it exists."""
    import tui_backprop.presets as presets

    fake_pkg = tmp_path / "tui_backprop"
    (fake_pkg / "_presets").mkdir(parents=True)
    (fake_pkg / "_presets" / "xor.toml").write_text((ROOT / "presets" / "xor.toml").read_text())
    monkeypatch.setattr(presets, "__file__", str(fake_pkg / "presets.py"))
    assert presets.shipped_dir() == fake_pkg / "_presets"
    assert [p.name for p in presets.list_presets()] == ["xor"]
