"""`tutor doctor`: is this machine ready to train, and if not, what to do.

Each check is ok, warn or fail, with what was found and, where something is wrong,
the fix. Unlike the app, the doctor imports torch and mlx: finding out whether they
load and which device they would use is the point.
"""

from __future__ import annotations

import platform
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

MAC = sys.platform == "darwin"


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok | warn | fail
    found: str
    fix: str = ""


def _sysctl(key: str) -> str | None:
    try:
        out = subprocess.run(["sysctl", "-n", key], capture_output=True, text=True, timeout=2)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _gib(n: float | None) -> str:
    return "—" if n is None else f"{n / 2**30:.1f} GiB"


def check_system() -> list[Check]:
    checks = []
    machine = platform.machine()
    if MAC:
        chip = _sysctl("machdep.cpu.brand_string") or "unknown chip"
        translated = _sysctl("sysctl.proc_translated") == "1"
        if translated or machine != "arm64":
            checks.append(
                Check("system", "fail", f"macOS {platform.mac_ver()[0]}, {chip}, Python runs as {machine}",
                      "Python is running under Rosetta (x86_64): MPS and MLX need a native arm64 Python. Install one (python.org or `brew install python`) and recreate the venv.")
            )
        else:
            checks.append(Check("system", "ok", f"macOS {platform.mac_ver()[0]}, {chip}, arm64"))
    else:
        checks.append(Check("system", "ok", f"{platform.system()} {platform.release()}, {machine} (no Apple GPU: training runs on the CPU)"))
    py = sys.version_info
    checks.append(
        Check("python", "ok" if py >= (3, 10) else "fail", platform.python_version(),
              "" if py >= (3, 10) else "tutor needs Python 3.10 or newer")
    )
    return checks


def check_memory() -> list[Check]:
    from .memory import MemoryMonitor, gpu_working_set_note

    sample = MemoryMonitor().sample()
    found = f"{_gib(sample.total)} total, {_gib(sample.used)} used, {_gib(sample.available)} available"
    if sample.swap_used:
        found += f", swap {_gib(sample.swap_used)}"
    status = "warn" if sample.pressure in ("warn", "critical") else "ok"
    checks = [Check("memory", status, found, "memory pressure is high: close other apps before training" if status == "warn" else "")]
    if MAC:
        checks.append(Check("gpu working set", "ok", gpu_working_set_note(sample.total, "en", sample.gpu_working_set).replace("\n", " ")))
    return checks


def check_torch() -> Check:
    try:
        import torch
    except Exception as e:  # noqa: BLE001 - report any import failure
        return Check("torch", "fail", f"cannot import: {e}", "reinstall tutor: pip install -e .")
    threads = torch.get_num_threads()
    if MAC:
        built, available = torch.backends.mps.is_built(), torch.backends.mps.is_available()
        if available:
            limit = torch.mps.recommended_max_memory()
            return Check("torch", "ok", f"{torch.__version__}, MPS available (recommended max {_gib(limit)}), {threads} CPU threads")
        return Check(
            "torch", "fail", f"{torch.__version__}, MPS built={built} available=False",
            "MPS needs Apple Silicon, a native arm64 Python and a recent macOS (PyTorch 2.x wants macOS 14+). Update macOS or reinstall torch.",
        )
    return Check("torch", "ok", f"{torch.__version__}, device cpu (MPS exists only on macOS), {threads} CPU threads")


def check_mlx() -> Check:
    try:
        import mlx.core as mx
    except Exception as e:  # noqa: BLE001
        fix = "pip install mlx" if MAC else "pip install 'mlx[cpu]'"
        return Check("mlx", "fail", f"cannot import: {e}", fix)
    version = _version("mlx") or "?"
    device = mx.default_device()
    metal = mx.metal.is_available()
    if MAC and not metal:
        return Check("mlx", "fail", f"{version}, default device {device}, Metal unavailable", "reinstall mlx in a native arm64 Python")
    note = "" if MAC else " (Linux CPU build with a reference BLAS: MLX speeds here say nothing about a Mac)"
    return Check("mlx", "ok", f"{version}, default device {device}{note}")


def check_packages() -> list[Check]:
    out = []
    for dist in ("textual", "gymnasium", "librosa", "pydantic", "psutil", "plotext"):
        v = _version(dist)
        out.append(Check(dist, "ok" if v else "fail", v or "not installed", "" if v else "reinstall tutor: pip install -e ."))
    if _version("plotext") not in (None, "5.2.8"):
        out[-1] = Check("plotext", "warn", _version("plotext") or "", "textual-plotext 1.0.1 needs plotext 5.2.8: pip install plotext==5.2.8")
    return out


def _folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else 0


def check_storage(store_path: Path | None) -> list[Check]:
    from trainers import data

    cache = data.cache_dir()
    cached = [d["name"] for d in data.describe() if d["cached"] and not d.get("bundled")]
    out = [Check("data cache", "ok", f"{cache}: {_folder_size(cache) / 2**20:,.1f} MiB; cached: {', '.join(cached) or 'none'}")]
    if store_path is not None:
        out.append(Check("learner store", "ok", str(store_path)))
    probe = cache if cache.exists() else Path.home()
    free = shutil.disk_usage(probe).free
    status = "ok" if free > 5 * 2**30 else "warn"
    out.append(Check("disk", status, f"{_gib(free)} free", "" if status == "ok" else "less than 5 GiB free: datasets and checkpoints need room"))
    return out


def run_checks(store_path: Path | None = None) -> list[Check]:
    return [*check_system(), *check_memory(), check_torch(), check_mlx(), *check_packages(), *check_storage(store_path)]


def report(checks: list[Check], as_json: bool) -> str:
    if as_json:
        import json

        return json.dumps([asdict(c) for c in checks], ensure_ascii=False, indent=2)
    mark = {"ok": "✓", "warn": "!", "fail": "✗"}
    lines = []
    for c in checks:
        lines.append(f"{mark[c.status]} {c.name:<15} {c.found}")
        if c.fix:
            lines.append(f"  {'':<15} fix: {c.fix}")
    return "\n".join(lines)
