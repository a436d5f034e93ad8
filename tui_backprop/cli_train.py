"""The headless training commands: ``tui-backprop train`` and ``tui-backprop gradcheck`` (parser in cli.py)."""

from __future__ import annotations

import json
import math
import shutil
import sys
import time

from tui_backprop.config import ConfigError
from tui_backprop.core.figures import counted


def _json_float(value):
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _fail(message: str) -> int:
    print(f"tui-backprop: {message}", file=sys.stderr)
    return 2


def _load(preset: str, seed: int | None):
    from tui_backprop.presets import load_preset

    config = load_preset(preset)
    if seed is not None:
        config = config.with_seed(seed)
    return config


def progress_line(done: int, total: int, text: str) -> str:
    """``[####......] text`` as wide as the terminal less one column: a line that wraps puts every update on
    a new row. The bar narrows first (30 marks at most), then goes; the text is cut last."""
    columns = shutil.get_terminal_size().columns - 1
    width = min(30, columns - len(text) - 3)
    if width < 5:
        return text[:columns].ljust(columns)
    filled = int(width * done / total) if total else width
    return f"[{'#' * filled}{'.' * (width - filled)}] {text}".ljust(columns)  # covers a longer line before


def _progress(done: int, total: int, loss: float | None, started: float) -> None:
    rate = done / max(time.perf_counter() - started, 1e-9)
    loss_text = f"{loss:.6g}" if loss is not None else "-"
    sys.stderr.write("\r" + progress_line(done, total, f"{done:,}/{total:,} steps  loss {loss_text}  "
                                                        f"{rate:,.0f} steps/s"))
    sys.stderr.flush()


def _session_for(args):
    """A fresh session from ``--preset`` (and ``--seed``), or the one saved at ``--resume``; it runs straight
    through (no pause point, no lesson notes)."""
    from tui_backprop.training.session import Session

    if getattr(args, "resume", None):
        from tui_backprop.persist import load_session

        return load_session(args.resume).set_headless(step_back=False)
    return Session.headless(_load(args.preset, args.seed), step_back=False)  # the CLI never steps back


def _save(session, path) -> int:
    from tui_backprop.persist import save_session

    try:
        save_session(session, path)
    except ConfigError as exc:
        return _fail(str(exc))
    return 0


def _check_save_path(path) -> int:
    """Can ``--save`` write its file? Asked before the run that fills it."""
    from tui_backprop.persist import SessionFileError, check_writable

    try:
        check_writable(path)
    except OSError as exc:
        return _fail(str(SessionFileError(path, f"cannot write the session file ({exc.strerror or exc})")))
    return 0


def cmd_train(args) -> int:
    try:
        session = _session_for(args)
        config = session.config
    except ConfigError as exc:
        return _fail(str(exc))
    if args.solution:
        if args.resume:
            return _fail("--solution cannot be combined with --resume (a saved session keeps its own network)")
        if config.solution is None:
            return _fail(f"{config.path or config.name}: solution: missing; --solution needs a preset with a "
                         "[solution] table")
        from tui_backprop.training.session import Session

        solved = config.solution.config
        session = Session.headless(solved if args.seed is None else solved.with_seed(args.seed), step_back=False)
        config = session.config
    if args.trace and session.in_step:
        return _fail(f"{args.resume}: --trace needs a session saved between steps (this one stopped after "
                     f"the {session.last_phase} phase)")
    stops = {}  # given ones only; 0 is "never" (it switches the preset's own stop off, as in sweep)
    if args.stop_after_epochs is not None:
        stops["stop_after_epochs"] = args.stop_after_epochs or None
    if args.stop_below_loss is not None:
        stops["stop_below_loss"] = args.stop_below_loss or None
    if stops:
        session.set_training(**stops)
    if args.save and _check_save_path(args.save):
        return 2
    from tui_backprop.run_summary import RunRecord

    steps = args.steps
    trace = []
    record = RunRecord(session)
    stop_reason = "steps"
    show_progress = not args.json and sys.stderr.isatty()
    saved_steps = session.step_count  # a resumed run's, not counted in its speed
    started = time.perf_counter()
    if args.trace:
        for _ in range(steps):
            while session.next_phase != "update" and session.run_phase():
                pass  # forward, loss and backward, layer by layer
            if session.halted:
                stop_reason = "halted"
                break
            net = session.network
            trace.append({
                "step": session.step_count + 1,
                "loss": _json_float(session.loss),
                "grad_weights": [layer.grad_weights.tolist() for layer in net.layers],
                "grad_biases": [None if layer.grad_biases is None else layer.grad_biases.tolist()
                                for layer in net.layers],
            })
            session.run_phase()
            record.take()
            reason = session.stop_reason("update")
            if reason in ("halted", "stop"):
                stop_reason = reason
                break
    else:
        chunk = max(1, min(1000, steps // 100 or 1))
        done = 0
        while done < steps:
            before = session.step_count
            reason = session.run(min(chunk, steps - done), should_stop=record)
            record.take()
            done += session.step_count - before
            if show_progress:
                _progress(done, steps, session.loss, started)
            if reason in ("halted", "stop"):
                stop_reason = reason
                break
        if show_progress:
            sys.stderr.write("\n")
    elapsed = time.perf_counter() - started
    if args.save and _save(session, args.save):
        return 2
    _report(args, session, record, trace, stop_reason, session.step_count - saved_steps, elapsed)
    if session.halted:
        print(f"tui-backprop: {session.halted.stopped_message}", file=sys.stderr)
        return 3
    return 0


def _report(args, session, record, trace, stop_reason: str, ran: int, elapsed: float) -> None:
    """train's summary: every figure is the final network's, or says which step it belongs to."""
    from tui_backprop.run_summary import downsample, final_accuracy, final_test_loss

    config = session.config
    final = session.full_training_loss()
    test_loss = final_test_loss(session)
    acc = final_accuracy(session)
    if args.json:
        out = {
            "preset": config.name,
            "seed": config.network.seed,
            "steps": session.step_count,
            "loss_history": [_json_float(v) for v in record.losses],
            "final_loss": _json_float(final),
            "test_loss": test_loss,
            "layers": session.layers_json(),
            "goals": [g.as_json() for g in session.goals.results()],
        }
        if args.history_points is not None and args.history_points < len(record.losses):
            steps_x, losses = downsample(record.steps, record.losses, args.history_points)
            out["loss_history"] = [_json_float(v) for v in losses]
            out["loss_history_steps"] = steps_x
        elif not record.exact or args.history_points is not None:  # asked for points: one schema, however many
            out["loss_history_steps"] = [float(s) for s in record.steps]
        if session.data.task == "classification":
            out["accuracy_history"] = [_json_float(v) for v in record.accuracies]
            out["accuracy_history_epochs"] = record.epochs
            out["accuracy"] = _json_float(acc)
        if args.trace:
            out["trace"] = trace
        if session.halted:
            out["halted"] = session.halted.stopped_message
        if stop_reason == "stop":
            out["stopped"] = session.message
        json.dump(out, sys.stdout)
        sys.stdout.write("\n")
        return
    print(f"{config.title} ({config.name}, seed {config.network.seed})")
    if config.compare:  # the lesson's point is its compared runs, which only the app trains side by side
        labels = " and ".join(f"'{label}'" for label, _ in config.compare)
        t = config.training
        print(f"  A compare lesson: this trains its base configuration ({t.optimizer}, learning rate "
              f"{t.learning_rate:g}, batch size {t.batch_size}); the app runs {labels} side by side.")
    saved = session.step_count - ran
    resumed = "" if not saved else f" ({ran:,} after the saved {saved:,})" if ran else " (all saved)"
    print(f"  {counted(session.step_count, 'step')}{resumed}"
          + f", {counted(session.epoch, 'epoch')} in {elapsed:.2f} s"
          + (f" ({ran / max(elapsed, 1e-9):,.0f} steps/s)" if ran else ""))
    if record.losses:
        # (6 significant digits, zeros kept: 0.754372 beside 0.0437800, not 0.04378)
        first = f"batch loss of step {record.steps[0]:,} {record.losses[0]:#.6g}"
        print(f"  {first}" + (f", of step {record.steps[-1]:,} {record.losses[-1]:#.6g}"
                              if len(record.losses) > 1 else ""))
    print(f"  training loss now {final:#.6g}" + (f", test loss now {test_loss:#.6g}" if test_loss is not None else ""))
    if acc is not None:
        print(f"  {'test' if len(session.data.x_test) else 'training'} accuracy now {acc:.1%}")
    if stop_reason == "stop":
        print(f"  {session.message}")
    for g in session.goals.results():
        print(f"  {'✓' if g.met else '✗'} {g.text}" + (f" (step {g.step:,})" if g.step is not None else ""))


def cmd_gradcheck(args) -> int:
    """Train ``--steps`` steps, then check every layer's gradient as the app's g does."""
    try:
        session = _session_for(args)
    except ConfigError as exc:
        return _fail(str(exc))
    session.run(args.steps)
    config = session.config
    if session.halted:
        print(f"tui-backprop: {session.halted.stopped_message}\ntui-backprop: gradcheck: the run halted, so there is "
              f"no finite gradient to check", file=sys.stderr)
        return 3
    step = session.checked_step
    if step == 1:
        where = "the first batch, initial weights"
    elif step == session.step_count:
        where = f"the batch of step {step:,}, weights before its update"
    else:  # the next step's, as after --resume
        where = f"the batch of step {step:,}, weights after step {step - 1:,}"
    print(f"{config.name} after {counted(session.step_count, 'step')}: backprop vs finite differences on {where}")
    agree = True
    for layer in session.network.layers:
        check = session.check_layer(layer.index)
        agree = agree and check.passed
        print(f"  layer {layer.index + 1} ({layer.units}×{layer.fan_in}{' +bias' if layer.has_bias else ''}, "
              f"{layer.activation.name}): max relative error {check.max_relative_error:.1e}, "
              f"max difference {check.max_abs_error:.1e}: {check.verdict}")
    return 0 if agree else 1
