"""Core training steps/s against PyTorch eager on CPU, and the FLOP share of 784-256-10.

Same network, same initial weights, same data, float64 on both sides. The
PyTorch side is the ordinary eager loop: ``nn.Sequential`` of ``nn.Linear``,
autograd, ``torch.optim.SGD``::

    opt.zero_grad(); loss = loss_fn(model(x), y); loss.backward(); opt.step()

The core side is measured twice: the bare step (``Network.forward`` →
``compute_loss`` → ``backward`` → ``SGD.step``) and the full
``Session.run`` step (batch selection, NaN checks, history, and the per-epoch
evaluation on the whole training and test sets).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from benchmarks.timing import interleaved

try:  # PyTorch is a benchmark-only extra: pip install -e '.[bench]'
    import torch
except ImportError:  # pragma: no cover - depends on the machine
    torch = None


@dataclass(frozen=True)
class Case:
    label: str
    inputs: int
    layers: tuple[tuple[int, str], ...]  # (units, activation)
    loss: str
    batch: int
    target: float  # core / torch steps-per-second ratio to reach
    session_data: str  # dataset the Session trains on
    session_samples: int
    session_test_fraction: float = 0.5
    session_target: float | None = None  # Session.run / torch ratio to reach (default: ``target``)

    @property
    def sizes(self) -> str:
        return "-".join([str(self.inputs)] + [str(u) for u, _ in self.layers])


CASES = (
    Case("2-4-2-1 tanh, batch 10", 2, ((4, "tanh"), (2, "tanh"), (1, "tanh")), "mse", 10, 3.0, "xor", 200),
    Case("2-8-8-1 tanh, batch 32", 2, ((8, "tanh"), (8, "tanh"), (1, "tanh")), "mse", 32, 3.0, "circle", 640,
         session_target=8.0),
    Case("2-16-16-16-1 relu, batch 64", 2, ((16, "relu"), (16, "relu"), (16, "relu"), (1, "linear")), "mse", 64,
         3.0, "gauss", 1280, session_target=5.0),
    Case("784-256-10 relu/softmax CE, batch 256", 784, ((256, "relu"), (10, "softmax")), "cross_entropy", 256, 1.0,
         "random", 12800, 0.2),
)

LEARNING_RATE = 0.01
BATCHES = 4  # the bare steps cycle through this many different batches


# --------------------------------------------------------------- the data
def make_batches(case: Case, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    out = []
    outputs = case.layers[-1][0]
    for _ in range(BATCHES):
        x = rng.normal(size=(case.batch, case.inputs))
        if case.loss == "cross_entropy":
            y = np.eye(outputs)[rng.integers(0, outputs, case.batch)]
        else:
            y = rng.choice([-1.0, 1.0], size=(case.batch, outputs))
        out.append((x, y))
    return out


def make_network(case: Case):
    from tui_backprop.core.network import LayerSpec, Network

    return Network(case.inputs, [LayerSpec(u, a) for u, a in case.layers], case.loss, "xavier", seed=1)


# ------------------------------------------------------------ core, bare
class CoreStep:
    def __init__(self, case: Case, batches):
        from tui_backprop.core.optimizers import make_optimizer

        self.net = make_network(case)
        self.opt = make_optimizer("sgd", self.net.params.size, LEARNING_RATE)
        self.batches = batches
        self.i = 0

    def __call__(self) -> None:
        x, y = self.batches[self.i]
        self.i = (self.i + 1) % BATCHES
        net = self.net
        net.forward(x)
        net.compute_loss(y)
        net.backward(y)
        self.opt.step(net.params, net.grads, net.weight_mask)


# ------------------------------------------------------------ core, Session
def make_session(case: Case):
    from tui_backprop.config import Config, DataConfig, NetworkConfig, TrainingConfig
    from tui_backprop.core.network import LayerSpec
    from tui_backprop.training.session import Session

    layers = tuple(LayerSpec(u, a) for u, a in case.layers)
    network = NetworkConfig(inputs=case.inputs, seed=1, layers=layers)
    if case.session_data == "random":
        rng = np.random.default_rng(5)
        outputs = case.layers[-1][0]
        x = rng.normal(size=(case.session_samples, case.inputs))
        y = np.eye(outputs)[rng.integers(0, outputs, case.session_samples)]
        data = DataConfig(source="inline", x=x, y=y, test_fraction=case.session_test_fraction)
    else:
        data = DataConfig(source=case.session_data, samples=case.session_samples,
                          test_fraction=case.session_test_fraction, labels="plus_minus_one")
    training = TrainingConfig(loss=case.loss, optimizer="sgd", learning_rate=LEARNING_RATE, batch_size=case.batch)
    # as the headless CLI makes it: no step back, so no earlier states kept (the app keeps one every 128 steps)
    return Session.headless(Config(title=case.label, network=network, data=data, training=training), step_back=False)


class SessionSteps:
    """``Session.run(chunk)`` as the headless CLI calls it; timed per step."""

    def __init__(self, case: Case):
        self.session = make_session(case)
        self.chunk = session_chunk(case)

    def __call__(self) -> None:
        self.session.run(self.chunk)


# ------------------------------------------------------------------ torch
class TorchStep:
    def __init__(self, case: Case, batches, net):
        nn = torch.nn
        modules = []
        fan_in = case.inputs
        for (units, act), layer in zip(case.layers, net.layers):
            linear = nn.Linear(fan_in, units, dtype=torch.float64)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(layer.weights.copy()))
                linear.bias.copy_(torch.from_numpy(layer.biases.copy()))
            modules.append(linear)
            if act == "tanh":
                modules.append(nn.Tanh())
            elif act == "relu":
                modules.append(nn.ReLU())
            elif act == "sigmoid":
                modules.append(nn.Sigmoid())
            # linear: nothing; softmax: folded into F.cross_entropy on the logits
            fan_in = units
        self.model = nn.Sequential(*modules)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=LEARNING_RATE)
        if case.loss == "cross_entropy":
            self.loss_fn = torch.nn.functional.cross_entropy
            self.batches = [(torch.from_numpy(x), torch.from_numpy(y.argmax(axis=1))) for x, y in batches]
        else:
            self.loss_fn = torch.nn.functional.mse_loss
            self.batches = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in batches]
        self.i = 0

    def __call__(self) -> None:
        x, y = self.batches[self.i]
        self.i = (self.i + 1) % BATCHES
        self.opt.zero_grad()
        loss = self.loss_fn(self.model(x), y)
        loss.backward()
        self.opt.step()

    def params(self) -> np.ndarray:
        return np.concatenate([np.concatenate([m.weight.detach().numpy(), m.bias.detach().numpy()[:, None]], axis=1).ravel()
                               for m in self.model if isinstance(m, torch.nn.Linear)])


def same_math(case: Case, batches) -> float:
    """Max |difference| of all parameters after 5 steps on both sides (should be ~1e-16)."""
    core = CoreStep(case, batches)
    ref = TorchStep(case, batches, core.net)
    for _ in range(5):
        core()
        ref()
    return float(np.max(np.abs(core.net.params - ref.params())))


# ------------------------------------------------------------ FLOP share
def step_flops(case: Case) -> float:
    """Multiply-adds ×2 of the step's matmuls (bias folded in: fan_in + 1 columns)."""
    flops = 0.0
    fan_in = case.inputs
    b = case.batch
    for i, (units, _) in enumerate(case.layers):
        flops += 2 * b * (fan_in + 1) * units  # forward z = [a, 1] W_augᵀ
        flops += 2 * b * (fan_in + 1) * units  # grad W_aug = deltaᵀ [a, 1]
        if i > 0:
            flops += 2 * b * units * fan_in  # dL/da of the layer below = delta W
        fan_in = units
    return flops


class RawMatmuls:
    """The step's matmuls alone, same shapes and transposes, on fresh buffers."""

    def __init__(self, case: Case):
        rng = np.random.default_rng(3)
        b = case.batch
        self.calls = []
        fan_in = case.inputs
        for i, (units, _) in enumerate(case.layers):
            a = rng.normal(size=(b, fan_in + 1))
            w = rng.normal(size=(units, fan_in + 1))
            z = np.empty((b, units))
            delta = rng.normal(size=(b, units))
            gw = np.empty((units, fan_in + 1))
            self.calls.append((a, w.T, z))
            self.calls.append((delta.T, a, gw))
            if i > 0:
                ga = np.empty((b, fan_in))
                self.calls.append((delta, w[:, :fan_in], ga))
            fan_in = units

    def __call__(self) -> None:
        for left, right, out in self.calls:
            np.matmul(left, right, out=out)


def square_matmul(n: int = 512):
    rng = np.random.default_rng(4)
    a, b, c = rng.normal(size=(n, n)), rng.normal(size=(n, n)), np.empty((n, n))
    return lambda: np.matmul(a, b, out=c), 2.0 * n**3


# ------------------------------------------------- factories (one per process)
def core_step(index: int) -> CoreStep:
    case = CASES[index]
    return CoreStep(case, make_batches(case))


def session_steps(index: int) -> SessionSteps:
    return SessionSteps(CASES[index])


class TorchContender(TorchStep):
    def __init__(self, index: int):
        import os

        threads = os.environ.get("OMP_NUM_THREADS")
        if threads:
            torch.set_num_threads(int(threads))
        case = CASES[index]
        self.case = case
        super().__init__(case, make_batches(case), make_network(case))

    def same_math(self) -> float:
        return same_math(self.case, make_batches(self.case))


class TorchLoop:
    """The PyTorch loop doing the Session's per-step and per-epoch work.

    Same data and split as the Session: a shuffled permutation per epoch,
    mini-batches gathered by index, ``loss.item()`` every step (the session
    records and checks every loss), and at each epoch end the loss on the
    whole training and test sets plus the accuracy, under ``no_grad``.
    """

    def __init__(self, index: int):
        import os

        threads = os.environ.get("OMP_NUM_THREADS")
        if threads:
            torch.set_num_threads(int(threads))
        case = CASES[index]
        self.case = case
        data = make_session(case).data
        self.step_model = TorchStep(case, make_batches(case), make_network(case))
        self.ce = case.loss == "cross_entropy"
        as_target = (lambda y: torch.from_numpy(y.argmax(axis=1))) if self.ce else torch.from_numpy
        self.x_train, self.y_train = torch.from_numpy(data.x_train), as_target(data.y_train)
        self.x_test, self.y_test = torch.from_numpy(data.x_test), as_target(data.y_test)
        self.batch = case.batch
        self.steps_per_epoch = -(-len(data.x_train) // case.batch)
        self.generator = torch.Generator().manual_seed(3)
        self.order = torch.randperm(len(data.x_train), generator=self.generator)
        self.k = 0
        self.chunk = session_chunk(case)

    def _epoch_end(self) -> None:
        model, loss_fn = self.step_model.model, self.step_model.loss_fn
        with torch.no_grad():
            loss_fn(model(self.x_train), self.y_train).item()
            out = model(self.x_test)
            loss_fn(out, self.y_test).item()
            if self.ce:
                (out.argmax(dim=1) == self.y_test).double().mean().item()
            else:
                ((out >= 0) == (self.y_test >= 0)).double().mean().item()

    def __call__(self) -> None:
        sm = self.step_model
        for _ in range(self.chunk):
            if self.k == 0:
                self.order = torch.randperm(len(self.x_train), generator=self.generator)
            idx = self.order[self.k * self.batch : (self.k + 1) * self.batch]
            x, y = self.x_train[idx], self.y_train[idx]
            sm.opt.zero_grad()
            loss = sm.loss_fn(sm.model(x), y)
            loss.backward()
            sm.opt.step()
            loss.item()
            self.k += 1
            if self.k == self.steps_per_epoch:
                self.k = 0
                self._epoch_end()


def raw_matmuls(index: int) -> RawMatmuls:
    return RawMatmuls(CASES[index])


def square_512() -> object:
    return square_matmul()[0]


# --------------------------------------------------------------- running
@dataclass
class CoreResult:
    case: Case
    core: float  # seconds per step
    session: float
    torch: float | None
    max_param_diff: float | None
    torch_loop: float | None = None  # seconds per step of TorchLoop
    # Ratios (torch's time per step / ours), each the median of the rounds' ratios, and the middle half of those.
    core_ratio: float | None = None
    session_ratio: float | None = None
    loop_ratio: float | None = None
    spread: dict[str, tuple[float, float]] | None = None


def session_chunk(case: Case) -> int:
    return 10 if case.inputs > 100 else 200


def run_core(repeats: int = 7, seconds: float = 0.15, threads: int | None = None, log=print) -> list[CoreResult]:
    from benchmarks.timing import Contender, interleaved_processes

    results = []
    for index, case in enumerate(CASES):
        # Each round runs session, torch, core, torch loop: every ratio compares neighbours (or next but one).
        contenders = {"session": Contender("benchmarks.core_bench:session_steps", index, threads=threads)}
        diff = None
        if torch is not None:
            contenders["torch"] = Contender("benchmarks.core_bench:TorchContender", index, threads=threads)
            diff = contenders["torch"].ask("info", "same_math")
        contenders["core"] = Contender("benchmarks.core_bench:core_step", index, threads=threads)
        if torch is not None:
            contenders["torch_loop"] = Contender("benchmarks.core_bench:TorchLoop", index, threads=threads)
        try:
            times = interleaved_processes(contenders, repeats, seconds)
        finally:
            for c in contenders.values():
                c.close()
        loop = times.get("torch_loop")
        chunk = session_chunk(case)
        r = CoreResult(case, times["core"], times["session"] / chunk, times.get("torch"), diff,
                       loop / chunk if loop else None)
        if r.torch is not None:
            r.core_ratio = times.ratio("torch", "core")
            r.session_ratio = chunk * times.ratio("torch", "session")
            r.loop_ratio = times.ratio("torch_loop", "session")
            r.spread = {"core": times.middle_half("torch", "core"),
                        "session": tuple(chunk * v for v in times.middle_half("torch", "session")),
                        "loop": times.middle_half("torch_loop", "session")}
        log(f"  {case.label}: core {1 / r.core:,.0f}/s, session {1 / r.session:,.0f}/s"
            + (f", torch {1 / r.torch:,.0f}/s, torch loop {1 / r.torch_loop:,.0f}/s" if r.torch
               else ", torch not installed"))
        results.append(r)
    return results


@dataclass
class FlopResult:
    case: Case
    step_rate: float  # FLOP/s achieved by the bare step
    raw_rate: float  # FLOP/s of the same matmuls alone
    square_rate: float  # FLOP/s of a 512³ matmul

    @property
    def share(self) -> float:
        return self.step_rate / self.raw_rate


def run_flops(repeats: int = 7, seconds: float = 0.15, threads: int | None = None) -> FlopResult:
    from benchmarks.timing import Contender, interleaved_processes

    index = len(CASES) - 1
    case = CASES[index]
    contenders = {"step": Contender("benchmarks.core_bench:core_step", index, threads=threads),
                  "raw": Contender("benchmarks.core_bench:raw_matmuls", index, threads=threads),
                  "square": Contender("benchmarks.core_bench:square_512", threads=threads)}
    try:
        times = interleaved_processes(contenders, repeats, seconds)
    finally:
        for c in contenders.values():
            c.close()
    flops = step_flops(case)
    return FlopResult(case, flops / times["step"], flops / times["raw"], 2.0 * 512**3 / times["square"])
