"""Finding presets: the shipped lessons, the user's own folder, or any path."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from tui_backprop.config import Config, ConfigError, load_config

# The shipped lessons in the order to take them, in parts: the picker numbers them so, and the app starts on
# the first (a learner fresh from a blog post on backprop starts with the chain rule by hand, QA8 C9).
COURSE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("The chain rule by hand", ("one-weight", "chain-two-weights", "neuron-with-bias", "sigmoid-neuron")),
    ("A hidden layer", ("gauss", "xor", "circle", "plane", "xor-two-hidden")),
    ("Learning rate and optimizers", ("learning-rate-too-small", "learning-rate-too-high", "batch-vs-stochastic",
                                      "narrow-valley", "optimizers")),
    ("Deep networks", ("vanishing-gradients", "exploding-gradients", "dead-relu", "spiral", "spiral-3-classes")),
    ("Real data", ("digits",)),
    ("Challenges", ("challenge-learning-rate", "challenge-circle-fewest-neurons", "challenge-dead-relu",
                    "challenge-spiral-features")),
    ("Free play", ("playground",)),
)
COURSE_ORDER = [name for _, names in COURSE for name in names]
DEFAULT_PRESET = COURSE_ORDER[0]


def course_place(name: str) -> tuple[int, str] | None:
    """(lesson number from 1, its part's title) of a shipped lesson in ``COURSE``, else None."""
    if name not in COURSE_ORDER:
        return None
    return COURSE_ORDER.index(name) + 1, next(part for part, names in COURSE if name in names)


def shipped_dir() -> Path:
    here = Path(__file__).resolve().parent
    installed = here / "_presets"  # inside a wheel (see pyproject's force-include)
    if installed.is_dir():
        return installed
    return here.parent / "presets"  # a source checkout / editable install


def user_dir() -> Path:
    override = os.environ.get("TUI_BACKPROP_CONFIG_DIR")
    if override:
        return Path(override) / "presets"
    from platformdirs import user_config_dir

    return Path(user_config_dir("tui-backprop")) / "presets"


@dataclass(frozen=True)
class PresetInfo:
    name: str
    title: str
    summary: str  # first line of the lesson
    path: Path
    origin: str  # "shipped" or "user"
    lesson: str = ""
    error: str | None = None
    hides_shipped: bool = False  # a user preset named as a shipped lesson: the shipped one is not listed


def _info(path: Path, origin: str) -> PresetInfo:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        title = str(raw.get("title", path.stem))
        lesson = str(raw.get("lesson", "")).strip()
        error = None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        title, lesson, error = path.stem, "", f"{path}: not valid TOML ({exc})"
    summary = lesson.splitlines()[0] if lesson else ""
    return PresetInfo(path.stem, title, summary, path, origin, lesson, error)


def list_presets() -> list[PresetInfo]:
    """Shipped presets in the course's order, then the user's (a user preset with a shipped name wins)."""
    found: dict[str, PresetInfo] = {}
    for origin, folder in (("shipped", shipped_dir()), ("user", user_dir())):
        if folder.is_dir():
            for path in sorted(folder.glob("*.toml")):
                if path.is_file():  # not a folder named x.toml, nor a link to nowhere (or to itself)
                    info = _info(path, origin)
                    if origin == "user" and path.stem in found:  # said where listed (QA8 K8)
                        info = dataclasses.replace(info, hides_shipped=True)
                    found[path.stem] = info
    def order(p: PresetInfo) -> tuple:
        place = course_place(p.name) if p.origin == "shipped" else None
        return p.origin != "shipped", place is None, place[0] if place else 0, p.name

    return sorted(found.values(), key=order)


def resolve(name_or_path: str | Path) -> Path:
    text = str(name_or_path)
    if not text:
        raise ConfigError("--preset", "", "expected a preset name or a .toml file, got an empty name")
    candidate = Path(text).expanduser()
    if text.endswith(".toml") or os.sep in text or "/" in text:
        if candidate.is_file():
            return candidate
        if candidate.is_dir():
            raise ConfigError(candidate, "", "is a folder; expected a preset's .toml file")
        raise ConfigError(candidate, "", "file not found")
    for folder in (user_dir(), shipped_dir()):
        path = folder / f"{text}.toml"
        if path.is_file():
            return path
    names = ", ".join(p.name for p in list_presets())
    raise ConfigError(text, "", f"no preset with that name; known presets: {names}")


def load_preset(name_or_path: str | Path) -> Config:
    path = resolve(name_or_path)
    return load_config(path, path.stem)
