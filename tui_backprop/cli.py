"""Command line: the app, and the same engine headless (train, presets, export)."""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
import warnings

from tui_backprop import __version__
from tui_backprop.cli_train import _fail, _load, _session_for, cmd_gradcheck, cmd_train
from tui_backprop.config import ConfigError


def cmd_presets(args) -> int:
    from tui_backprop.config import load_config
    from tui_backprop.presets import list_presets

    if args.check:
        bad = 0
        for path in args.check:
            try:
                from tui_backprop.training.session import Session

                from tui_backprop.training.questions import check_answers

                config = load_config(path)
                Session(config)
                check_answers(config)
                if config.solution is not None:
                    Session(config.solution.config)
                print(f"{path}: ok")
            except ConfigError as exc:
                _fail(str(exc))  # "tui-backprop: <path>: <field>: …", as every other one-line error
                bad += 1
        return 2 if bad else 0
    presets = list_presets()
    width = max((len(p.name) for p in presets), default=0)
    for p in presets:
        mark = "" if p.origin == "shipped" else f"  (user{'; hides the shipped ' + p.name if p.hides_shipped else ''})"
        error = p.error
        if error is None and p.origin == "user":  # (the shipped ones are checked by the tests)
            try:
                load_config(p.path, p.name)
            except ConfigError as exc:
                error = str(exc)
        if error:  # it fails on use: say so here
            mark += f"  ✗ {error}"
        print(f"{p.name:<{width}}  {p.title}{mark}")
    return 0


def cmd_app(args) -> int:
    from tui_backprop import collector

    collector.pause()  # until the first frame (the app resumes it)
    from tui_backprop.presets import DEFAULT_PRESET

    session = None
    if args.served and args.resume:
        return _fail("--resume is off in a served session: it would open a file on the server")
    try:
        if args.resume:
            from tui_backprop.persist import load_session

            session = load_session(args.resume)
            config = session.config
        else:
            config = _load(args.preset or DEFAULT_PRESET, args.seed)
            from tui_backprop.training.session import Session

            session = Session(config)  # a problem (e.g. a CSV that does not fit) shows before the screen opens
    except ConfigError as exc:
        return _fail(str(exc))
    from tui_backprop.app.app import BackpropApp

    # A resumed session asks its questions if it did when saved (--no-questions still turns them off).
    questions = not args.no_questions and (session.ask_questions if args.resume else True)
    app = BackpropApp(config, session=session, served=args.served, questions=questions)
    if args.served:
        from tui_backprop.serve import exit_with_server

        exit_with_server()
    app.run(mouse=not args.no_mouse)
    return app.return_code or 0


def cmd_export(args) -> int:
    from tui_backprop import export

    outputs = [(args.history_csv, export.history_csv_text), (args.network_json, export.network_json_text),
               (args.pytorch, export.pytorch_script_text)]
    if not any(path for path, _ in outputs):
        return _fail("export: nothing to write; give --history-csv, --network-json and/or --pytorch")
    if sum(path == "-" for path, _ in outputs) > 1:
        return _fail("export: only one of --history-csv, --network-json and --pytorch can be - (standard output)")
    # "-" is standard output: the other files' "wrote …" lines then go to standard error
    said = sys.stderr if any(path == "-" for path, _ in outputs) else sys.stdout
    try:
        session = _session_for(args)
    except ConfigError as exc:
        return _fail(str(exc))
    if args.steps:
        session.run(args.steps)
    for path, text in outputs:
        if path == "-":
            sys.stdout.write(text(session))
        elif path:
            try:
                export.write_text_atomic(path, text(session))
            except OSError as exc:
                return _fail(f"{path}: cannot write ({exc.strerror or exc})")
            print(f"wrote {path}", file=said)
    if session.halted:
        print(f"tui-backprop: {session.halted.stopped_message}", file=sys.stderr)
        return 3
    return 0


def cmd_sweep(args) -> int:
    from tui_backprop.sweep import cmd_sweep as sweep

    return sweep(args)


def cmd_serve(args) -> int:
    from tui_backprop.serve import HINT, app_command, check_token, is_loopback, make_server, new_token

    if args.resume:
        return _fail("serve: --resume is off in the browser (every visitor would open this machine's file); "
                     "use --preset")
    if args.max_sessions < 1:
        return _fail("--max-sessions: expected 1 or more")
    if not 0 <= args.port <= 65535:
        return _fail(f"--port: expected 0 to 65535 (0: any free port), got {args.port}")
    if args.token is not None and args.no_token:
        return _fail("--token and --no-token contradict each other; choose one")
    if args.no_token and not is_loopback(args.host) and not args.i_understand:
        return _fail(f"--no-token on {args.host} lets anyone who reaches this address run sessions on this "
                     f"machine; add --i-understand if that is really what you want")
    if args.token is not None and (problem := check_token(args.token)):
        return _fail(problem)
    token = args.token
    if token is None and not args.no_token and not is_loopback(args.host):
        token = new_token()  # beyond this machine a token is the default, as in Jupyter
    if args.preset:
        try:
            from tui_backprop.training.session import Session

            Session(_load(args.preset, args.seed))  # a typo fails here, not in every browser tab
        except ConfigError as exc:
            return _fail(str(exc))
    try:
        server = make_server(app_command(args.preset, args.seed, args.no_mouse), args.host, args.port,
                             args.public_url, token=token, max_sessions=args.max_sessions)
    except ImportError:
        return _fail(HINT)
    except OSError as exc:  # before the URL is printed
        return _fail(f"cannot serve on {args.host}:{args.port} ({exc.strerror or exc})")
    try:
        server.serve()
    except OSError as exc:
        return _fail(f"cannot serve on {args.host}:{server.port} ({exc.strerror or exc})")
    return 0


class OneLineParser(argparse.ArgumentParser):
    """Bad arguments get one line and exit 2, as every other bad input does (argparse printed its whole usage
    first: six lines for `--steps 1e3`); --help still shows everything. Subcommands' parsers are of this class."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (--help lists the options)\n")


def build_parser() -> argparse.ArgumentParser:
    from tui_backprop.presets import DEFAULT_PRESET
    from tui_backprop.serve import DEFAULT_MAX_SESSIONS

    parser = OneLineParser(
        prog="tui-backprop",
        description="Watch backpropagation happen in your terminal. Without a command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"tui-backprop {__version__}")
    parser.add_argument("--preset", help=f"preset name or path to a .toml file (default: {DEFAULT_PRESET})")
    parser.add_argument("--seed", type=int, help="override the preset's seed")
    parser.add_argument("--no-mouse", action="store_true", help="leave the mouse to the terminal (handy over SSH)")
    parser.add_argument("--no-questions", action="store_true",
                        help="run lessons without their questions (a demo); y toggles them in the app")
    parser.add_argument("--resume", metavar="PATH", help="open a saved session (from s in the app or train --save)")
    parser.add_argument("--served", action="store_true", help=argparse.SUPPRESS)  # set by serve: no server files
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = sub.add_parser("train", help="train headless and print a summary or JSON")
    start = train.add_mutually_exclusive_group(required=True)
    start.add_argument("--preset", help="preset name or path to a .toml file")
    start.add_argument("--resume", metavar="PATH", help="continue a saved session (--steps more steps)")
    train.add_argument("--steps", type=int, required=True, help="number of training steps (0: report the initial network)")
    train.add_argument("--seed", type=int, help="override the preset's seed")
    train.add_argument("--json", action="store_true", help="print one JSON object to stdout")
    train.add_argument("--trace", action="store_true", help="with --json: add each step's loss and gradients")
    train.add_argument("--history-points", type=int, metavar="K",
                       help="with --json: at most K loss_history points, each the mean of consecutive steps "
                            "(their centre steps in loss_history_steps)")
    train.add_argument("--stop-after-epochs", type=int,
                       help="stop after this many epochs (0: never, even if the preset stops)")
    train.add_argument("--stop-below-loss", type=float,
                       help="stop when the training loss falls below this (0: never, even if the preset stops)")
    train.add_argument("--solution", action="store_true",
                       help="train the preset's [solution] instead (a challenge's goals are then met)")
    train.add_argument("--save", metavar="PATH", help="save the whole session here afterwards (atomic write)")
    train.set_defaults(func=cmd_train)

    check = sub.add_parser("gradcheck", help="train, then check every layer's gradient against finite differences")
    start = check.add_mutually_exclusive_group(required=True)
    start.add_argument("--preset", help="preset name or path to a .toml file")
    start.add_argument("--resume", metavar="PATH", help="a saved session")
    check.add_argument("--steps", type=int, default=0, help="train this many steps first (default: 0)")
    check.add_argument("--seed", type=int, help="override the preset's seed")
    check.set_defaults(func=cmd_gradcheck)

    exp = sub.add_parser("export", help="write the loss history (CSV), the network (JSON) and/or a PyTorch script")
    start = exp.add_mutually_exclusive_group(required=True)
    start.add_argument("--preset", help="preset name or path to a .toml file")
    start.add_argument("--resume", metavar="PATH", help="a saved session")
    exp.add_argument("--seed", type=int, help="override the preset's seed")
    exp.add_argument("--steps", type=int, default=0, help="train this many steps first (default: 0)")
    exp.add_argument("--history-csv", metavar="FILE", help="loss history as CSV (- for standard output)")
    exp.add_argument("--network-json", metavar="FILE", help="layers, weights and biases as JSON (- for standard output)")
    exp.add_argument("--pytorch", metavar="FILE", help="a self-contained PyTorch script (.py; - for standard output)")
    exp.set_defaults(func=cmd_export)

    serve = sub.add_parser("serve", help="serve the app to web browsers (needs the 'serve' extra: textual-serve)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0: any free port, the one printed)")
    serve.add_argument("--public-url", help="the URL browsers use, when it differs from http://HOST:PORT")
    serve.add_argument("--preset", help="preset each browser session opens (default: xor)")
    serve.add_argument("--seed", type=int, help="override the preset's seed")
    serve.add_argument("--token", help="the token visitors need in the URL (default: a random one, except on "
                       "127.0.0.1 where none is needed)")
    serve.add_argument("--no-token", action="store_true",
                       help="no token: anyone who reaches the address can start sessions on this machine")
    serve.add_argument("--i-understand", action="store_true",
                       help="allow --no-token on an address other machines can reach")
    serve.add_argument("--max-sessions", type=int, default=DEFAULT_MAX_SESSIONS,
                       help=f"most app sessions at once; later visitors see a 'room is full' page "
                            f"(default: {DEFAULT_MAX_SESSIONS})")
    serve.set_defaults(func=cmd_serve)

    presets = sub.add_parser("presets", help="list presets, or check preset files")
    presets.add_argument("--check", nargs="+", metavar="PATH", help="validate these preset files")
    presets.set_defaults(func=cmd_presets)

    sweep = sub.add_parser("sweep", help="train many seeds (and learning rates) of one preset together; summary or JSON")
    sweep.add_argument("--preset", required=True, help="preset name or path to a .toml file")
    sweep.add_argument("--seeds", required=True, metavar="A:B", help="seeds A to B−1, e.g. 0:32")
    sweep.add_argument("--learning-rates", metavar="R1,R2,…", help="each seed at each of these rates (default: the preset's)")
    sweep.add_argument("--steps", type=int, required=True, help="steps per run (fewer if a run stops)")
    sweep.add_argument("--stop-below-loss", type=float,
                       help="a run stops when its training loss falls below this (0: never, even if the preset stops)")
    sweep.add_argument("--json", action="store_true", help="print one JSON object to stdout")
    sweep.set_defaults(func=cmd_sweep)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(_joined_negatives(sys.argv[1:] if argv is None else argv))
    from tui_backprop.schema import MAX_STEPS, SEED_LIMIT

    steps = getattr(args, "steps", None)
    if steps is not None and steps < 0:
        return _fail("--steps: expected 0 or more")
    if steps is not None and steps > MAX_STEPS:
        return _fail(f"--steps: expected at most {MAX_STEPS:,}, got {steps:,}")

    seed = getattr(args, "seed", None)
    if seed is not None and not 0 <= seed < SEED_LIMIT:
        return _fail("--seed: expected 0 or more (below 2**63)")
    stop_epochs, stop_loss = getattr(args, "stop_after_epochs", None), getattr(args, "stop_below_loss", None)
    if stop_epochs is not None and stop_epochs < 0:
        return _fail(f"--stop-after-epochs: expected 0 (never stop) or more, got {stop_epochs}")
    if stop_loss is not None and not (math.isfinite(stop_loss) and stop_loss >= 0):
        return _fail(f"--stop-below-loss: expected a finite number, 0 (never stop) or more, got {stop_loss:g}")
    for flag, given in (("--trace", getattr(args, "trace", False)),
                        ("--history-points", getattr(args, "history_points", None) is not None)):
        if given and not args.json:  # they shape the JSON; the text summary has no place for them
            return _fail(f"{flag} needs --json")
    if getattr(args, "history_points", None) is not None and args.history_points < 1:
        return _fail("--history-points: expected 1 or more")
    if getattr(args, "resume", None) and getattr(args, "seed", None) is not None:
        return _fail("--seed cannot be combined with --resume (a saved session keeps its own seed)")
    if getattr(args, "resume", None) and getattr(args, "preset", None):  # (train's parser refuses it itself)
        return _fail("--preset cannot be combined with --resume (a saved session keeps its own lesson)")
    func = getattr(args, "func", None)
    if func is None:
        return cmd_app(args)
    real_stdout, sys.stdout = sys.stdout, _Stdout(sys.stdout)
    try:
        with warnings.catch_warnings():
            # An overflowing run is reported by its NaN halt; NumPy's warnings about it are noise.
            warnings.simplefilter("ignore", RuntimeWarning)
            code = func(args)
        sys.stdout.flush()  # a full disk shows here, not in the interpreter's final flush
        return code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`| head`): not an error.
        _drop_stdout(real_stdout)
        return 0
    except StdoutError as exc:
        _drop_stdout(real_stdout)  # what was done (a --save, a written file) stays; only the printing is lost
        return _fail(f"cannot write to standard output ({exc.__cause__.strerror or exc.__cause__})")
    finally:
        sys.stdout = real_stdout


def _joined_negatives(argv: list[str]) -> list[str]:
    """``--seeds -3:2`` as ``--seeds=-3:2``: argparse takes a value such as -3:2 or -0.1,0.2 for an option
    (and says "expected one argument"); joined, it reaches the option's own message."""
    out = list(argv)
    for i in range(len(out) - 2, -1, -1):
        if out[i] in ("--seeds", "--learning-rates") and re.match(r"-[\d.]", out[i + 1]):
            out[i:i + 2] = [f"{out[i]}={out[i + 1]}"]
    return out


class StdoutError(Exception):
    """Standard output cannot be written (a full disk, an I/O error); a closed pipe stays BrokenPipeError."""


class _Stdout:
    """sys.stdout, whose failures say they are standard output's (a file's OSError is the command's to report)."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text):
        return self._calling(self._stream.write, text)

    def flush(self):
        return self._calling(self._stream.flush)

    @staticmethod
    def _calling(method, *args):
        try:
            return method(*args)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise StdoutError() from exc

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _drop_stdout(stream) -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, stream.fileno())
