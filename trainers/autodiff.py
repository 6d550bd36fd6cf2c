"""Autograd by hand: a scalar reverse-mode autodiff engine, a tiny network trained with
it, and a check of every gradient against PyTorch or MLX.

Read it top to bottom; it is week 2 of the course.

1. `Value` holds one number. Every operation on Values makes a new Value that remembers
   its inputs (`parents`) and, already worked out, the derivative of its output with
   respect to each input (`local_grads`). The program you write *is* the graph.
2. `backward()` walks that graph from the loss back to the inputs, in reverse
   topological order, and applies the chain rule at every node:
       parent.grad += local_grad * node.grad
3. `train()` fits a 2-H-1 network (or logistic regression, `hidden=0`) to a small
   generated 2-D dataset with plain SGD, every gradient from `Value`. Every `log_every`
   steps it hands the same parameters and the same batch to PyTorch or MLX (on the CPU,
   float64 by default), asks the framework for its gradients, and reports the largest
   difference: about 1e-16 from torch in float64, about 1e-7 when the framework works
   in float32. (MLX in float64 is a puzzle the lesson asks you to solve.)

Step through it in a Python prompt:

    >>> from trainers.autodiff import Value, show
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> y = (a * b + a).tanh(); y.backward(); print(show(y))

torch, mlx and numpy are imported inside the functions that use them: importing this
module (the app does, for the config) costs nothing.
"""

from __future__ import annotations

import math
import random
import threading
import time
from typing import Literal

from pydantic import Field

from trainers.api import Emit, Log, Metric, Status, Summary, TrainConfig, TrainerError

NAME = "autograd"


# ----------------------------------------------------------------------------- config


class AutodiffConfig(TrainConfig):
    """A 2-H-1 network on a generated 2-D dataset, trained with a hand-written autodiff
    and checked against PyTorch or MLX. The defaults take about a second on a laptop CPU
    (after the framework's import)."""

    device: Literal["auto", "cpu"] = Field(
        "auto",
        description="always the CPU: the engine is plain Python, and the float64 check needs the CPU (MPS has no float64, MLX has none on the GPU)",
    )
    dataset: Literal["circles", "moons", "xor"] = Field("circles", description="a disc inside a square, two half-moons, or XOR quadrants; generated from `seed`, nothing to download")
    n_samples: int = Field(128, ge=4, le=2000, description="training points (a fresh 256 are drawn for the test)")
    hidden: int = Field(4, ge=0, le=32, description="hidden units; 0 makes it logistic regression (one straight boundary)")
    activation: Literal["tanh", "relu"] = Field("tanh", description="the hidden layer's non-linearity")
    epochs: int = Field(50, ge=1, le=10000, description="passes over the training points")
    batch_size: int = Field(16, ge=1, le=2000, description="points per SGD step")
    lr: float = Field(1.0, gt=0, le=10, description="SGD learning rate")
    seed: int = Field(0, ge=0, description="seed for the points, the initial weights and the batch order")
    threads: int = Field(0, ge=0, le=256, description="torch's CPU threads for the check; 0: one, plenty for arrays this small (MLX has no setting)")
    check_dtype: Literal["float64", "float32"] = Field(
        "float64", description="precision of the framework's side of the gradient check (the Value side is Python's float64)"
    )
    log_every: int = Field(10, ge=1, description="steps between gradient checks (and loss readings)")


# ----------------------------------------------------------------------------- the engine


class Value:
    """One scalar in a computation graph.

    data         the number, computed on the way forward
    grad         d(output of backward) / d(this), filled in on the way back
    parents      the Values this one was computed from
    local_grads  d(this) / d(parent), one number per parent, worked out on the way forward
    op           what made it ("+", "*", "tanh" …); "" for an input or a parameter
    """

    __slots__ = ("data", "grad", "parents", "local_grads", "op", "label")

    def __init__(self, data: float, parents: tuple = (), local_grads: tuple = (), op: str = "", label: str = ""):
        self.data = float(data)
        self.grad = 0.0
        self.parents = parents
        self.local_grads = local_grads
        self.op = op
        self.label = label

    def __repr__(self) -> str:
        name = f"{self.label} " if self.label else ""
        made = f", op={self.op!r}" if self.op else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g}{made})"

    # --- operations. Each computes its output AND the local derivatives, nothing more.

    def __add__(self, other) -> Value:
        other = as_value(other)
        # d(a+b)/da = 1, d(a+b)/db = 1: addition passes the gradient through unchanged.
        return Value(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __mul__(self, other) -> Value:
        other = as_value(other)
        # d(a*b)/da = b, d(a*b)/db = a: each input's gradient is scaled by the other one.
        return Value(self.data * other.data, (self, other), (other.data, self.data), "*")

    def __truediv__(self, other) -> Value:
        other = as_value(other)
        # d(a/b)/da = 1/b, d(a/b)/db = -a/b²
        return Value(self.data / other.data, (self, other), (1.0 / other.data, -self.data / other.data**2), "/")

    def __pow__(self, n: float) -> Value:
        if not isinstance(n, (int, float)):
            raise TypeError("Value ** n takes a plain number n (the exponent is not differentiated)")
        # d(x^n)/dx = n·x^(n-1)
        return Value(self.data**n, (self,), (n * self.data ** (n - 1),), f"**{n:g}")

    def __neg__(self) -> Value:
        return Value(-self.data, (self,), (-1.0,), "neg")

    def __sub__(self, other) -> Value:
        other = as_value(other)
        return Value(self.data - other.data, (self, other), (1.0, -1.0), "-")

    def exp(self) -> Value:
        out = math.exp(self.data)
        return Value(out, (self,), (out,), "exp")  # d(e^x)/dx = e^x: the output itself

    def log(self) -> Value:
        return Value(math.log(self.data), (self,), (1.0 / self.data,), "log")  # d(ln x)/dx = 1/x

    def tanh(self) -> Value:
        t = math.tanh(self.data)
        return Value(t, (self,), (1.0 - t * t,), "tanh")  # d(tanh x)/dx = 1 - tanh²x

    def relu(self) -> Value:
        # The kink at 0 has no derivative; like PyTorch and MLX, we use 0 there.
        return Value(max(self.data, 0.0), (self,), (1.0 if self.data > 0 else 0.0,), "relu")

    # Python tries `3 * v` as int.__mul__ first; when that fails it asks v.__rmul__(3).
    def __radd__(self, other) -> Value:
        return self + other

    def __rmul__(self, other) -> Value:
        return self * other

    def __rsub__(self, other) -> Value:
        return as_value(other) - self

    def __rtruediv__(self, other) -> Value:
        return as_value(other) / self

    # --- the backward pass

    def backward(self) -> None:
        """Fill in `grad` of every Value this one was computed from: d(self)/d(node).

        Like PyTorch, inputs (nodes with no parents: the parameters) *add* into their
        grad, so clear them before each step (`zero_grad`). Interior nodes start from 0
        on every call.
        """
        order = topological_order(self)
        for node in order:
            if node.parents:
                node.grad = 0.0
        self.grad = 1.0  # d(self)/d(self)
        # Reverse topological order: a node is visited only after every node that uses
        # it has passed its share back, so its grad is complete when we read it.
        for node in reversed(order):
            for parent, local in zip(node.parents, node.local_grads):
                # The chain rule. `+=`, not `=`: a Value used twice (x*x, or a weight
                # applied to every sample) collects a share from every use.
                parent.grad += local * node.grad


def as_value(x) -> Value:
    return x if isinstance(x, Value) else Value(x)


def topological_order(root: Value) -> list[Value]:
    """Every node of root's graph, each placed after all of its parents: inputs first,
    root last. A depth-first walk, written with a stack rather than recursion so a long
    chain (a sum over 2,000 samples) cannot hit Python's recursion limit."""
    order: list[Value] = []
    seen: set[int] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)  # all of its parents are already in `order`
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))  # come back to it once its parents are placed
        for parent in reversed(node.parents):  # reversed: the first parent is placed first
            if id(parent) not in seen:
                stack.append((parent, False))
    return order


def zero_grad(params: list[Value]) -> None:
    for p in params:
        p.grad = 0.0


def show(root: Value) -> str:
    """The graph as a table, inputs first: what each node is, its value, its gradient,
    where it came from and the local derivatives the chain rule multiplies by."""
    order = topological_order(root)
    number = {id(node): i for i, node in enumerate(order)}
    lines = []
    for i, node in enumerate(order):
        made = node.op or "input"
        parents = ", ".join(f"#{number[id(p)]}" for p in node.parents)
        local = ", ".join(f"{g:.4g}" for g in node.local_grads)
        made_from = f"  from [{parents}], local [{local}]" if node.parents else ""
        lines.append(f"#{i:<3} {node.label:<4} {made:<6} data {node.data:>9.4f}  grad {node.grad:>9.4f}{made_from}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- data

Point = tuple[float, float]


def make_points(dataset: str, n: int, rng: random.Random) -> tuple[list[Point], list[int]]:
    """`n` points in the plane, labels +1 / -1, half of each where the shape allows."""
    xs: list[Point] = []
    ys: list[int] = []
    for i in range(n):
        if dataset == "moons":  # two interleaved half-circles with a little noise
            y = 1 if i % 2 == 0 else -1
            a = rng.uniform(0.0, math.pi)
            x1, x2 = (math.cos(a), math.sin(a)) if y == 1 else (1.0 - math.cos(a), 0.5 - math.sin(a))
            x1, x2 = x1 - 0.5 + rng.gauss(0, 0.1), x2 - 0.25 + rng.gauss(0, 0.1)  # centred on 0
        else:
            x1, x2 = rng.uniform(-1, 1), rng.uniform(-1, 1)
            if dataset == "circles":  # inside a disc of radius 0.7 (about 38% of the square)
                y = 1 if x1 * x1 + x2 * x2 < 0.49 else -1
            else:  # xor: same sign in both coordinates
                y = 1 if x1 * x2 > 0 else -1
        xs.append((x1, x2))
        ys.append(y)
    return xs, ys


def batches(n: int, batch_size: int, seed: int, epoch: int) -> list[list[int]]:
    order = list(range(n))
    random.Random(f"{seed}-batches-{epoch}").shuffle(order)  # a str seed is stable across runs
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


# ----------------------------------------------------------------------------- model
#
#   logit = w_out · act(W1 · x + b1) + b_out       (hidden > 0)
#   logit = w_out · x + b_out                      (hidden = 0: logistic regression)
#
# Parameters are Values kept in nested lists with the shapes a framework would give
# them, so the check can hand them over as they are.


def init_params(hidden: int, rng: random.Random) -> dict[str, list]:
    """Uniform in ±1/sqrt(fan_in), the scheme of nn.Linear in PyTorch and MLX."""

    def uniform(fan_in: int) -> Value:
        bound = 1.0 / math.sqrt(fan_in)
        return Value(rng.uniform(-bound, bound))

    params: dict[str, list] = {}
    if hidden:
        params["W1"] = [[uniform(2) for _ in range(2)] for _ in range(hidden)]  # hidden x 2
        params["b1"] = [uniform(2) for _ in range(hidden)]
    fan_in = hidden or 2
    params["w_out"] = [uniform(fan_in) for _ in range(fan_in)]
    params["b_out"] = uniform(fan_in)  # a single number
    return params


def flatten(tree) -> list:
    """The leaves of nested lists, in order: W1 row by row, then b1, w_out, b_out."""
    if isinstance(tree, dict):
        return [leaf for key in tree for leaf in flatten(tree[key])]
    if isinstance(tree, list):
        return [leaf for item in tree for leaf in flatten(item)]
    return [tree]


def as_numbers(tree):
    """The same nested shape with plain floats: what the frameworks are given."""
    if isinstance(tree, dict):
        return {key: as_numbers(value) for key, value in tree.items()}
    if isinstance(tree, list):
        return [as_numbers(item) for item in tree]
    return tree.data if isinstance(tree, Value) else float(tree)


def logit(params: dict[str, list], x: Point, activation: str) -> Value:
    if "W1" in params:
        features = []
        for row, b in zip(params["W1"], params["b1"]):
            pre = row[0] * x[0] + row[1] * x[1] + b
            features.append(pre.tanh() if activation == "tanh" else pre.relu())
    else:
        features = list(x)
    out = params["b_out"]
    for w, f in zip(params["w_out"], features):
        out = out + w * f
    return out


def loss_fn(params: dict[str, list], xs: list[Point], ys: list[int], activation: str) -> Value:
    """Mean logistic loss: log(1 + e^(-y·logit)) with y = ±1. A confident right answer
    costs ~0, a confident wrong one costs ~|logit|. It is binary cross-entropy on
    sigmoid(logit) with targets (y+1)/2, written differently: the frameworks compute the
    built-in form, so the check also tests that the two formulas agree."""
    total = Value(0.0)
    for x, y in zip(xs, ys):
        margin = logit(params, x, activation) * y
        total = total + (1 + (-margin).exp()).log()  # exp would overflow only past |margin| ~ 700
    return total / len(xs)


def accuracy(params: dict[str, list], xs: list[Point], ys: list[int], activation: str) -> float:
    right = sum(1 for x, y in zip(xs, ys) if (logit(params, x, activation).data > 0) == (y > 0))
    return right / len(xs)


# ----------------------------------------------------------------------------- the check
#
# The same loss, written the way you will write it from week 3 on: whole arrays at
# once, the framework's own loss, and its autograd. Both run on the CPU.


def torch_reference(params: dict, xs: list[Point], ys: list[int], activation: str, dtype: str) -> tuple[float, dict]:
    """(loss, gradients shaped like `params`) from torch.autograd."""
    import torch
    import torch.nn.functional as F

    dt = torch.float64 if dtype == "float64" else torch.float32
    p = {k: torch.tensor(v, dtype=dt, requires_grad=True) for k, v in params.items()}
    x = torch.tensor(xs, dtype=dt)  # batch x 2
    target = torch.tensor([(y + 1) / 2 for y in ys], dtype=dt)  # ±1 -> 1 / 0
    if "W1" in p:
        pre = x @ p["W1"].T + p["b1"]  # batch x hidden: every sample, every unit, one call
        x = torch.tanh(pre) if activation == "tanh" else torch.relu(pre)
    z = x @ p["w_out"] + p["b_out"]  # batch
    loss = F.binary_cross_entropy_with_logits(z, target)  # mean over the batch
    loss.backward()  # fills p[k].grad
    return loss.item(), {k: t.grad.tolist() for k, t in p.items()}


def mlx_reference(params: dict, xs: list[Point], ys: list[int], activation: str, dtype: str) -> tuple[float, dict]:
    """(loss, gradients shaped like `params`) from mx.value_and_grad."""
    import mlx.core as mx
    import mlx.nn as nn

    dt = mx.float64 if dtype == "float64" else mx.float32
    with mx.stream(mx.cpu):  # float64 exists on MLX's CPU only
        p = {k: mx.array(v, dtype=dt) for k, v in params.items()}
        x = mx.array(xs, dtype=dt)
        target = mx.array([(y + 1) / 2 for y in ys], dtype=dt)

        def loss_of(p: dict) -> mx.array:
            h = x
            if "W1" in p:
                pre = h @ p["W1"].T + p["b1"]
                h = mx.tanh(pre) if activation == "tanh" else nn.relu(pre)
            z = h @ p["w_out"] + p["b_out"]
            return nn.losses.binary_cross_entropy(z, target, with_logits=True, reduction="mean")

        # A function in, a function out: it returns the loss and d(loss)/d(p), shaped like p.
        loss, grads = mx.value_and_grad(loss_of)(p)
        mx.eval(loss, grads)
        return loss.item(), {k: g.tolist() for k, g in grads.items()}


REFERENCES = {"torch": torch_reference, "mlx": mlx_reference}


# Largest |hand - framework| difference, relative to the largest gradient, still counted
# as agreement. float64 keeps ~16 significant digits, float32 ~7; the margins leave room
# for a few roundings along the way. MLX in float64 is the exception: up to at least
# 0.32.4 its CPU `exp` uses a float32-accurate approximation for float64 arrays too
# (ml-explore/mlx#3047), so it agrees with us to ~7 digits, not ~15. Measured: torch
# float64 ~1e-16, MLX float64 ~6e-9, either framework in float32 ~1e-7.
TOLERANCE = {("torch", "float64"): 1e-10, ("mlx", "float64"): 1e-6, ("torch", "float32"): 1e-5, ("mlx", "float32"): 1e-5}


def first_label(params: dict) -> str:
    return "W1[0][0]" if "W1" in params else "w_out[0]"


# ----------------------------------------------------------------------------- the run


def _framework(backend: str, threads: int) -> tuple[str, int]:
    """Import the framework now (before the clock starts): (version, CPU threads)."""
    if backend == "torch":
        import torch

        # One thread unless asked: the arrays here are tiny, and a second thread only waits.
        threads = threads or 1
        torch.set_num_threads(threads)
        return torch.__version__, threads
    import mlx.core as mx

    return mx.__version__, 0  # MLX has no thread setting


def train(config: AutodiffConfig, emit: Emit, stop: threading.Event, *, run: str | None = None) -> Summary:
    """Train with `Value`, checking gradients against `config.backend` every
    `log_every` steps, until done, `max_steps` or `stop`."""
    if not isinstance(config, AutodiffConfig):
        config = AutodiffConfig.model_validate(config if isinstance(config, dict) else config.model_dump())
    run = run or f"{NAME}-{config.backend}-{time.strftime('%Y%m%d-%H%M%S')}"
    try:
        version, threads = _framework(config.backend, config.threads)
    except ImportError as e:
        raise TrainerError(f"the gradient check needs {config.backend}, which does not import here: {e}") from None
    reference = REFERENCES[config.backend]
    started = time.perf_counter()

    # Data and weights come from Python's own generator, seeded: the same on every
    # machine, whatever the framework.
    rng = random.Random(config.seed)
    xs, ys = make_points(config.dataset, config.n_samples, rng)
    test_xs, test_ys = make_points(config.dataset, 256, random.Random(f"{config.seed}-test"))
    params = init_params(config.hidden, rng)
    flat = flatten(params)
    shape = f"2-{config.hidden}-1 {config.activation}" if config.hidden else "logistic regression"

    emit(Status(run, "running", f"Value engine (Python) checked against {config.backend} {version} on the CPU, {config.check_dtype}"))
    emit(Log(run, f"{config.dataset}: {len(xs)} training / {len(test_xs)} test points; {shape}, {len(flat)} parameters; SGD lr {config.lr}"))
    if config.backend == "mlx" and config.threads:
        emit(Log(run, f"threads={config.threads} ignored: MLX chooses its own CPU threads"))

    n = len(xs)
    steps_per_epoch = math.ceil(n / config.batch_size)
    step = samples = checks = 0
    loss_sum, loss_count = 0.0, 0
    worst_diff, worst_rel = 0.0, 0.0
    final: dict[str, float] = {}
    stopped = limit_hit = False

    def check(batch_xs, batch_ys, hand_loss: float) -> None:
        """The framework's loss and gradients for the same parameters and batch."""
        nonlocal worst_diff, worst_rel, checks
        their_loss, their_grads = reference(as_numbers(params), batch_xs, batch_ys, config.activation, config.check_dtype)
        ours, theirs = [p.grad for p in flat], flatten(their_grads)
        diff = max(abs(a - b) for a, b in zip(ours, theirs))
        scale = max(abs(b) for b in theirs) or 1.0  # relative to the largest gradient
        worst_diff, worst_rel = max(worst_diff, diff), max(worst_rel, diff / scale)
        checks += 1
        emit(Metric(run, step, step / steps_per_epoch, "grad_max_abs_diff", diff))
        if checks == 1:
            emit(Log(run, (
                f"step {step}: d(loss)/d({first_label(params)}) by hand {ours[0]:.17g}, "
                f"{config.backend} {theirs[0]:.17g}; loss {hand_loss:.17g} vs {their_loss:.17g}; "
                f"largest |difference| over all {len(flat)} gradients {diff:.3g}"
            )))

    def read_loss() -> None:
        nonlocal loss_sum, loss_count
        final["train_loss"] = loss_sum / loss_count  # mean of the steps since the last reading
        emit(Metric(run, step, step / steps_per_epoch, "train_loss", final["train_loss"]))
        loss_sum, loss_count = 0.0, 0

    for epoch in range(config.epochs):
        for idx in batches(n, config.batch_size, config.seed, epoch):
            if stop.is_set():
                stopped = True
                break
            if config.max_steps and step >= config.max_steps:
                limit_hit = True
                break
            batch_xs, batch_ys = [xs[i] for i in idx], [ys[i] for i in idx]

            loss = loss_fn(params, batch_xs, batch_ys, config.activation)  # forward: builds the graph
            zero_grad(flat)  # the parameters' grads add up otherwise
            loss.backward()  # backward: fills p.grad for every parameter
            step += 1
            if step == 1 or step % config.log_every == 0:
                check(batch_xs, batch_ys, loss.data)  # before the update: the same parameters
            for p in flat:  # SGD: a small step downhill
                p.data -= config.lr * p.grad

            loss_sum += loss.data
            loss_count += 1
            samples += len(idx)
            if step % config.log_every == 0:
                read_loss()
        if stopped or limit_hit:
            break

    if loss_count:
        read_loss()  # the last few steps since the previous reading
    if checks:
        final["grad_max_abs_diff"] = worst_diff  # the worst over every check of the run
        # How many significant digits of the largest gradient agree (16: all float64 holds).
        final["grad_digits"] = min(16.0, -math.log10(worst_rel)) if worst_rel > 0 else 16.0
        tolerance = TOLERANCE[config.backend, config.check_dtype]
        agreed = worst_rel <= tolerance
        emit(Log(run, (
            f"{checks} gradient checks against {config.backend} ({config.check_dtype}): largest difference "
            f"{worst_diff:.3g}, {final['grad_digits']:.1f} digits agree; "
            + (f"within the tolerance ({tolerance:g} of the largest gradient)" if agreed else f"ABOVE the tolerance {tolerance:g}: a bug in an operation?")
        )))
    if not stopped:
        final["train_acc"] = accuracy(params, xs, ys, config.activation)
        final["test_acc"] = accuracy(params, test_xs, test_ys, config.activation)

    status = "stopped" if stopped else "finished"
    wall = time.perf_counter() - started
    summary = Summary(
        run=run,
        trainer=NAME,
        status=status,
        framework=config.backend,
        framework_version=version,
        device="cpu",
        threads=threads,
        dataset=config.dataset,
        steps=step,
        epochs=step / steps_per_epoch,
        samples=samples,
        wall_seconds=wall,
        samples_per_second=samples / wall if wall > 0 else 0.0,
        final=final,
        config=config.model_dump(),
    )
    emit(Status(run, status, f"{step} steps in {wall:.1f} s"))
    return summary
