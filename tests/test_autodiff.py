"""The hand-written autodiff (trainers/autodiff.py): every operation against finite
differences, random expressions against torch.autograd, and the trainer's own check
against PyTorch and MLX on the CPU."""

from __future__ import annotations

import math
import random
import subprocess
import sys
import threading

import pytest
from pydantic import ValidationError

from conftest import REPO
from stopping import stop_after_first_loss
from trainers.api import Log, Metric, Status, Summary
from trainers.autodiff import TOLERANCE, AutodiffConfig, Value, show, topological_order, train

# ----------------------------------------------------------------------------- operations

UNARY = {
    "neg": lambda x: -x,
    "exp": lambda x: x.exp() if isinstance(x, Value) else math.exp(x),
    "log": lambda x: x.log() if isinstance(x, Value) else math.log(x),
    "tanh": lambda x: x.tanh() if isinstance(x, Value) else math.tanh(x),
    "relu": lambda x: x.relu() if isinstance(x, Value) else max(x, 0.0),
    "pow3": lambda x: x**3,
    "pow-half": lambda x: x**0.5,
    "pow-neg2": lambda x: x**-2,
    "radd": lambda x: 2.5 + x,
    "rsub": lambda x: 2.5 - x,
    "rmul": lambda x: 2.5 * x,
    "rdiv": lambda x: 2.5 / x,
    "square-by-reuse": lambda x: x * x,
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "reuse": lambda a, b: a * b + a / b - a,
}


def numeric_grad(f, xs: list[float], h: float = 1e-6) -> list[float]:
    """Central differences: (f(x+h) - f(x-h)) / 2h, one input at a time."""
    out = []
    for i in range(len(xs)):
        up, down = list(xs), list(xs)
        up[i] += h
        down[i] -= h
        out.append((f(*up) - f(*down)) / (2 * h))
    return out


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("x", [0.7, 1.9, -1.3])
def test_unary_ops_match_finite_differences(name, x):
    if name in ("log", "pow-half") and x < 0:
        x = -x  # inside the domain
    v = Value(x)
    y = UNARY[name](v)
    y.backward()
    assert y.data == pytest.approx(UNARY[name](x), rel=1e-12)
    assert v.grad == pytest.approx(numeric_grad(UNARY[name], [x])[0], rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_ops_match_finite_differences(name):
    a, b = Value(1.3), Value(-0.6)
    y = BINARY[name](a, b)
    y.backward()
    assert y.data == pytest.approx(BINARY[name](1.3, -0.6), rel=1e-12)
    assert [a.grad, b.grad] == pytest.approx(numeric_grad(BINARY[name], [1.3, -0.6]), rel=1e-6)


def test_relu_has_zero_gradient_at_and_below_the_kink():
    for x, expected in ((-1.0, 0.0), (0.0, 0.0), (2.0, 1.0)):
        v = Value(x)
        v.relu().backward()
        assert v.grad == expected  # PyTorch and MLX also take 0 at x = 0


def test_pow_takes_only_a_number():
    with pytest.raises(TypeError):
        Value(2.0) ** Value(3.0)


# ----------------------------------------------------------------------------- backward


def test_a_value_used_twice_collects_both_shares():
    x = Value(3.0)
    y = x * x  # dy/dx = 2x = 6, one 3 from each use
    y.backward()
    assert x.grad == 6.0


def test_leaves_accumulate_across_backward_calls_like_torch():
    x = Value(3.0)
    y = x * x + x
    y.backward()
    y.backward()
    assert x.grad == 2 * 7.0  # interior nodes restart from 0; the leaf adds up


def test_topological_order_puts_parents_first_once_each():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    assert len(order) == len({id(n) for n in order}) == 5
    place = {id(n): i for i, n in enumerate(order)}
    for node in order:
        assert all(place[id(p)] < place[id(node)] for p in node.parents)
    assert order[-1] is e


def test_a_long_chain_does_not_hit_the_recursion_limit():
    x = Value(0.5)
    total = Value(0.0)
    for _ in range(5000):
        total = total + x
    total.backward()
    assert x.grad == 5000.0


def test_show_lists_the_graph_inputs_first():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    y = (a * b).tanh()
    y.backward()
    text = show(y)
    lines = text.splitlines()
    assert len(lines) == 4 and "tanh" in lines[-1] and "input" in lines[0]
    assert "local [-3, 2]" in text  # d(a*b)/da = b, d(a*b)/db = a


# ----------------------------------------------------------------------------- against torch.autograd

# (name, on Values, on torch tensors); the domains are kept safe: exp of a bounded
# number, log of something positive, division by something at least 1.
def _ops(torch):
    unary = [
        ("tanh", lambda a: a.tanh(), torch.tanh),
        ("relu", lambda a: a.relu(), torch.relu),
        ("exp-tanh", lambda a: a.tanh().exp(), lambda a: torch.exp(torch.tanh(a))),
        ("log1+sq", lambda a: (a * a + 1).log(), lambda a: torch.log(a * a + 1)),
        ("neg", lambda a: -a, lambda a: -a),
        ("sq", lambda a: a**2, lambda a: a**2),
        ("sqrt1+sq", lambda a: (a * a + 1) ** 0.5, lambda a: (a * a + 1) ** 0.5),
    ]
    binary = [
        ("add", lambda a, b: a + b, lambda a, b: a + b),
        ("sub", lambda a, b: a - b, lambda a, b: a - b),
        ("mul", lambda a, b: a * b, lambda a, b: a * b),
        ("div", lambda a, b: a / (b * b + 1), lambda a, b: a / (b * b + 1)),
    ]
    return unary, binary


def _random_expression(rng: random.Random, depth: int, unary, binary):
    """A random tree over 3 variables (reused, so gradients must add up), returned as
    a pair of functions: one on Values, one on torch tensors."""
    if depth == 0 or rng.random() < 0.2:
        i = rng.randrange(3)
        return (lambda vs: vs[i]), (lambda ts: ts[i])
    if rng.random() < 0.4:
        _, fv, ft = rng.choice(unary)
        sv, st = _random_expression(rng, depth - 1, unary, binary)
        return (lambda vs: fv(sv(vs))), (lambda ts: ft(st(ts)))
    _, fv, ft = rng.choice(binary)
    lv, lt = _random_expression(rng, depth - 1, unary, binary)
    rv, rt = _random_expression(rng, depth - 1, unary, binary)
    return (lambda vs: fv(lv(vs), rv(vs))), (lambda ts: ft(lt(ts), rt(ts)))


def test_random_expressions_match_torch_autograd():
    torch = pytest.importorskip("torch")
    unary, binary = _ops(torch)
    rng = random.Random(1234)
    for _ in range(200):
        on_values, on_tensors = _random_expression(rng, 5, unary, binary)
        xs = [rng.uniform(-2, 2) for _ in range(3)]
        vs = [Value(x) for x in xs]
        ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
        out_v, out_t = on_values(vs), on_tensors(ts)
        if not isinstance(out_v, Value) or not out_t.requires_grad:
            continue  # a bare variable: nothing to differentiate
        out_v.backward()
        out_t.backward()
        assert out_v.data == pytest.approx(out_t.item(), rel=1e-12, abs=1e-12)
        for v, t in zip(vs, ts):
            expected = 0.0 if t.grad is None else t.grad.item()
            assert v.grad == pytest.approx(expected, rel=1e-10, abs=1e-12)


# ----------------------------------------------------------------------------- the trainer


def run(backend: str, **overrides) -> tuple[Summary, list]:
    events: list = []
    summary = train(AutodiffConfig(backend=backend, **overrides), events.append, threading.Event())
    return summary, events


def metrics(events, name):
    return [e for e in events if isinstance(e, Metric) and e.name == name]


@pytest.mark.parametrize("backend", ["torch", "mlx"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_gradients_agree_with_the_framework(backend, dtype):
    pytest.importorskip("torch" if backend == "torch" else "mlx.core")
    summary, events = run(backend, check_dtype=dtype, max_steps=30, log_every=10)
    diffs = [m.value for m in metrics(events, "grad_max_abs_diff")]
    assert [m.step for m in metrics(events, "grad_max_abs_diff")] == [1, 10, 20, 30]
    assert summary.final["grad_max_abs_diff"] == max(diffs)
    bound = {("torch", "float64"): 1e-14, ("mlx", "float64"): 1e-6, ("torch", "float32"): 1e-5, ("mlx", "float32"): 1e-5}
    assert max(diffs) < bound[backend, dtype]
    digits = summary.final["grad_digits"]
    if dtype == "float32":
        assert 5 < digits < 9  # float32 holds ~7 significant digits
    elif backend == "torch":
        assert digits > 13
    else:  # MLX's float64 exp is float32-accurate up to at least 0.32.4 (ml-explore/mlx#3047)
        assert digits > 5
    logs = [e.message for e in events if isinstance(e, Log)]
    assert any("by hand" in m and backend in m for m in logs)  # one parameter, both ways
    assert any("within the tolerance" in m for m in logs)
    assert summary.status == "finished" and summary.steps == 30
    assert summary.framework == backend and summary.framework_version and summary.device == "cpu"
    assert {"train_loss", "grad_max_abs_diff", "grad_digits", "train_acc", "test_acc"} <= set(summary.final)
    assert [e.state for e in events if isinstance(e, Status)] == ["running", "finished"]
    Summary.model_validate(summary.model_dump())


def test_the_training_is_the_same_whichever_framework_checks_it():
    pytest.importorskip("torch")
    pytest.importorskip("mlx.core")
    a, _ = run("torch", max_steps=40)
    b, _ = run("mlx", max_steps=40)
    for key in ("train_loss", "train_acc", "test_acc"):
        assert a.final[key] == b.final[key]  # the Value engine trains; the framework only checks


def test_defaults_learn_the_disc():
    pytest.importorskip("torch")
    summary, events = run("torch")
    losses = [m.value for m in metrics(events, "train_loss")]
    assert losses[0] > 0.6 and losses[-1] < 0.5 * losses[0]  # starts near ln 2 = 0.69
    assert summary.final["train_acc"] > 0.85 and summary.final["test_acc"] > 0.8
    assert summary.steps == 50 * 8 and summary.samples == 50 * 128
    assert len(events) < summary.steps // 4  # emit is called sparingly


@pytest.mark.parametrize("overrides", [{"hidden": 0}, {"activation": "relu", "dataset": "xor"}, {"dataset": "moons", "batch_size": 128}])
def test_other_shapes_check_out_too(overrides):
    pytest.importorskip("torch")
    summary, _ = run("torch", max_steps=12, log_every=4, **overrides)
    assert summary.final["grad_max_abs_diff"] < 1e-14


def test_logistic_regression_cannot_draw_a_disc():
    pytest.importorskip("torch")
    line, _ = run("torch", hidden=0)
    assert line.final["train_acc"] < 0.7  # one straight boundary; the 2-4-1 default passes 0.85


@pytest.mark.parametrize("backend", ["torch", "mlx"])
def test_stop_is_prompt_and_leaves_a_valid_summary(backend):
    pytest.importorskip("torch" if backend == "torch" else "mlx.core")
    config = AutodiffConfig(backend=backend, epochs=10000, log_every=5)
    summary, events, seconds = stop_after_first_loss(train, config)
    assert seconds < 0.5
    assert summary.status == "stopped" and 0 < summary.steps < 10000 * 8
    assert "train_loss" in summary.final and "grad_max_abs_diff" in summary.final
    assert "test_acc" not in summary.final  # prompt: no evaluation after a stop
    assert events[-1].state == "stopped"


def test_config_defaults_and_limits():
    config = AutodiffConfig()
    assert (config.dataset, config.hidden, config.check_dtype, config.device) == ("circles", 4, "float64", "auto")
    with pytest.raises(ValidationError):
        AutodiffConfig(device="gpu")  # the float64 check needs the CPU
    with pytest.raises(ValidationError):
        AutodiffConfig(dataset="digits")
    with pytest.raises(ValidationError):
        AutodiffConfig(hidden_size=4)  # a typo is an error, not ignored
    assert set(TOLERANCE) == {(b, d) for b in ("torch", "mlx") for d in ("float64", "float32")}


def test_importing_it_loads_no_framework():
    script = (
        "import sys\n"
        "from trainers.autodiff import AutodiffConfig, Value\n"
        "AutodiffConfig(backend='mlx'); y = (Value(2.0) * 3).tanh(); y.backward()\n"
        "print(','.join(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'mlx', 'numpy'})))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
