"""Unified memory, sampled for the live lab's memory panel and for `tutor doctor`.

One `MemoryMonitor.sample()` returns a `MemorySample`: the system's memory as Activity
Monitor shows it on a Mac (and as psutil shows it elsewhere), this process's own memory,
and the counters MLX and PyTorch MPS keep themselves, when those frameworks are already
loaded. It never imports torch or mlx (the app starts without them) and it never raises:
a field that cannot be read is None and is named, with a short reason, in
`sample.unavailable`.

What "used" means on a Mac
--------------------------
Activity Monitor's "Memory Used" is App Memory + Wired Memory + Compressed. psutil's
`used` (active + wired) and `available` (inactive + free) do not match it, and the
compressor appears in no psutil field. We read the page counts from `vm_stat` (Apple's
own tool, `/usr/bin/vm_stat`, which prints `host_statistics64(HOST_VM_INFO64)` and,
shipping with the OS, keeps working where psutil's compiled copy of that struct broke):

    App Memory  = "Anonymous pages" - "Pages purgeable"
    Wired       = "Pages wired down"
    Compressed  = "Pages occupied by compressor"   (RAM the compressor holds, not the
                                                    larger "Pages stored in compressor")
    Memory Used = App + Wired + Compressed, all times the page size in vm_stat's header

Activity Monitor is closed source, so the App Memory formula is the one commonly cited
and cross-checked, not Apple's published definition. Sources: vm_stat prints
`internal_page_count` as "Anonymous pages" and `external_page_count` as
"File-backed pages" (system_cmds `vm_stat.c`); XNU `osfmk/kern/host.c` fills
`internal_page_count` from the pageable internal queues, so wired pages are not in it;
the Stats menu-bar app (exelban/stats, `Modules/RAM/readers.swift`) computes
app = active + inactive + speculative - purgeable - external, which is the same number
because the pageable queues hold exactly the internal plus the external pages. Purgeable
memory is anonymous but the system may discard it at any time, so it is counted with
the file cache, not with App Memory. `available` on a Mac is total - used: the cached
files and free memory Activity Monitor leaves outside "Memory Used".

Elsewhere (Linux CI) `used` is psutil's total - available, and `compressed` is None.

Cost of a sample
----------------
Linux, measured on our 2-core CI machine: psutil system calls 20-50 µs each, process RSS
7 µs; USS (`memory_full_info`, read from /proc/self/smaps_rollup) 0.06 ms in a bare
interpreter and 0.9 ms once torch and mlx are loaded. USS is read every sample while it
costs under 2 ms and at most every 2 s when it costs more. A whole sample: 0.15-0.35 ms
median (tests/test_memory.py checks < 50 ms).

macOS (not measured: there is no Mac in CI): one sample starts two small programs,
`vm_stat` and `sysctl` (swap usage and pressure level; total RAM only on the first
sample), in parallel through posix_spawn, and parses their text (0.2 ms, measured here on
recorded output). The same two-program spawn costs 3.3 ms here in a bare interpreter and
4.4 ms with torch, mlx and 2 GiB of arrays loaded (posix_spawn does not copy the
parent's address space). Expect a few ms on a Mac, inside the 20 ms budget. The footprint
(`phys_footprint`, what Activity Monitor's "Memory" column shows) comes from
`proc_pid_rusage` through ctypes, in microseconds. `MemoryMonitor.last_cost` reports the
measured cost of the latest sample on the machine it runs on. Sample from a worker
thread, not the UI thread, at a few Hz.

Why not psutil on a Mac: psutil <= 7.2.2 `virtual_memory()` and `swap_memory()` raise
RuntimeError on macOS 26 (host_statistics64 "array not large enough"; fixed in psutil
8.0.0). psutil remains the fallback there, and every call to it is guarded.
"""

from __future__ import annotations

import ctypes
import os
import re
import subprocess
import sys
import threading
import time
import unicodedata
from dataclasses import dataclass
from typing import Callable, Sequence

try:  # psutil is a dependency, but the sampler must survive without it
    import psutil
except Exception:  # pragma: no cover - exercised only on a broken install
    psutil = None  # type: ignore[assignment]

KiB = 1024
MiB = 1024**2
GiB = 1024**3

VM_STAT = "/usr/bin/vm_stat"
SYSCTL = "/usr/sbin/sysctl"
PAGE_SIZE_KEY = "page size"  # parse_vm_stat() puts the header's page size under this key
PANEL_WIDTH = 35  # terminal cells of the memory panel
SWAP_GROWTH_THRESHOLD = 64 * MiB  # swap growth that counts as "the system is swapping"
USS_CHEAP = 0.002  # seconds: below this, USS is read every sample
USS_INTERVAL = 2.0  # seconds between USS reads when it is not cheap

# kern.memorystatus_vm_pressure_level reports the dispatch levels
# DISPATCH_MEMORYPRESSURE_NORMAL/WARN/CRITICAL = 1/2/4 (the colours of Activity Monitor's
# pressure graph: green, yellow, red).
MACOS_PRESSURE = {1: "normal", 2: "warn", 4: "critical"}
# Linux PSI has no official levels; ours: warn when some task waited on memory for
# >= 10% of the last 10 s, critical when all non-idle tasks did ("full") for >= 10%.
PSI_WARN_SOME_AVG10 = 10.0
PSI_CRITICAL_FULL_AVG10 = 10.0


@dataclass(frozen=True)
class MemorySample:
    """One reading. Bytes everywhere; None = not on this platform or not readable.

    `unavailable` names what could not be read, as "name: reason". The names are field
    names, except "swap" (swap_used and swap_total), "mlx" (mlx_*) and "torch_mps"
    (torch_mps_*). A framework that is not loaded is simply None, not unavailable.
    """

    time: float  # time.monotonic()
    total: int | None = None
    used: int | None = None  # macOS: Activity Monitor's Memory Used; else total - available
    available: int | None = None
    compressed: int | None = None  # macOS only
    swap_used: int | None = None
    swap_total: int | None = None
    pressure: str | None = None  # "normal" / "warn" / "critical"
    process_rss: int | None = None
    process_footprint: int | None = None  # macOS phys_footprint, else USS
    footprint_source: str | None = None  # "phys_footprint" or "uss"
    app: int | None = None  # macOS only: Activity Monitor's App Memory
    wired: int | None = None  # macOS only
    mlx_active: int | None = None
    mlx_peak: int | None = None
    mlx_cache: int | None = None
    torch_mps_current: int | None = None
    torch_mps_driver: int | None = None
    gpu_working_set: int | None = None  # Metal's recommendedMaxWorkingSetSize
    unavailable: tuple[str, ...] = ()

    @property
    def process(self) -> int | None:
        """This process's memory: the footprint where known, else RSS."""
        return self.process_footprint if self.process_footprint is not None else self.process_rss


# ---------------------------------------------------------------------------------------
# Pure parsers (tested on Linux with fixture text)

_VM_HEADER = re.compile(r"page size of (\d+) bytes")
_VM_ROW = re.compile(r'^\s*"?([A-Za-z][^":]*?)"?\s*:\s+(\d+)\.?\s*$')


def parse_vm_stat(text: str) -> dict[str, int]:
    """`vm_stat` output -> {row name: page count}, plus the header's page size.

    Row names are kept exactly as vm_stat prints them ("Pages wired down",
    "Anonymous pages", "Pages occupied by compressor", ...), quotes removed. The page
    size from "Mach Virtual Memory Statistics: (page size of 16384 bytes)" is stored
    under `PAGE_SIZE_KEY`. Lines that are not "name: number." are ignored.
    """
    out: dict[str, int] = {}
    header = _VM_HEADER.search(text)
    if header:
        out[PAGE_SIZE_KEY] = int(header.group(1))
    for line in text.splitlines():
        m = _VM_ROW.match(line)
        if m:
            out[m.group(1).strip()] = int(m.group(2))
    return out


def activity_monitor_breakdown(vm: dict[str, int], page_size: int) -> dict[str, int]:
    """Activity Monitor's Memory tab from vm_stat page counts, in bytes.

    Returns app, wired, compressed, used (= app + wired + compressed) and cached_files
    (file-backed + purgeable). Raises KeyError when vm_stat lacks the rows it needs.
    """
    purgeable = vm.get("Pages purgeable", 0)
    if "Anonymous pages" in vm:
        app_pages = vm["Anonymous pages"] - purgeable
    else:  # a vm_stat without the anonymous row: the pageable queues minus file pages
        queued = vm["Pages active"] + vm["Pages inactive"] + vm.get("Pages speculative", 0)
        queued += vm.get("Pages throttled", 0)
        app_pages = queued - vm["File-backed pages"] - purgeable
    app = max(0, app_pages) * page_size
    wired = vm["Pages wired down"] * page_size
    compressed = vm.get("Pages occupied by compressor", 0) * page_size
    cached = (vm.get("File-backed pages", 0) + purgeable) * page_size
    return {
        "app": app,
        "wired": wired,
        "compressed": compressed,
        "used": app + wired + compressed,
        "cached_files": cached,
    }


def activity_monitor_used(vm: dict[str, int], page_size: int) -> int:
    """Activity Monitor's "Memory Used" in bytes: App Memory + Wired + Compressed."""
    return activity_monitor_breakdown(vm, page_size)["used"]


def parse_sysctl(text: str) -> dict[str, str]:
    """`sysctl name1 name2 ...` output ("name: value" lines) -> {name: value}."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip():
            out[name.strip()] = value.strip()
    return out


_SWAP_PART = re.compile(r"(total|used|free)\s*=\s*([\d.]+)\s*([KMGT]?)", re.IGNORECASE)
_UNIT = {"": 1, "K": KiB, "M": MiB, "G": GiB, "T": 1024**4}


def parse_swapusage(value: str) -> tuple[int, int]:
    """`vm.swapusage` ("total = 2048.00M  used = 1123.25M  free = 924.75M  (encrypted)")
    -> (total, used) in bytes. sysctl prints mebibytes with an "M"."""
    parts = {k.lower(): float(n) * _UNIT[u.upper()] for k, n, u in _SWAP_PART.findall(value)}
    if "total" not in parts or "used" not in parts:
        raise ValueError(f"unrecognised vm.swapusage: {value!r}")
    return int(parts["total"]), int(parts["used"])


def macos_pressure(value: str | int | None) -> str | None:
    """kern.memorystatus_vm_pressure_level (1, 2, 4) -> "normal" / "warn" / "critical"."""
    try:
        return MACOS_PRESSURE.get(int(str(value).strip()))
    except (TypeError, ValueError):
        return None


def parse_psi(text: str) -> dict[str, dict[str, float]]:
    """/proc/pressure/memory -> {"some": {"avg10": ..., "avg60": ..., ...}, "full": {...}}."""
    out: dict[str, dict[str, float]] = {}
    for line in text.splitlines():
        kind, _, rest = line.strip().partition(" ")
        if kind in ("some", "full"):
            fields = dict(p.split("=", 1) for p in rest.split() if "=" in p)
            out[kind] = {k: float(v) for k, v in fields.items()}
    return out


def psi_pressure(psi: dict[str, dict[str, float]]) -> str | None:
    """Our reading of Linux PSI as normal / warn / critical (see the PSI_* thresholds)."""
    if "some" not in psi:
        return None
    if psi.get("full", {}).get("avg10", 0.0) >= PSI_CRITICAL_FULL_AVG10:
        return "critical"
    if psi["some"].get("avg10", 0.0) >= PSI_WARN_SOME_AVG10:
        return "warn"
    return "normal"


def phys_footprint_from_rusage(raw: bytes) -> int:
    """`ri_phys_footprint` from a `struct rusage_info_v0` buffer.

    Layout (sys/resource.h): uint8 ri_uuid[16], then uint64 user_time, system_time,
    pkg_idle_wkups, interrupt_wkups, pageins, wired_size, resident_size,
    phys_footprint, ... so phys_footprint sits at byte 16 + 7 * 8 = 72.
    """
    return int.from_bytes(raw[72:80], sys.byteorder)


# ---------------------------------------------------------------------------------------
# Reading the machine


def _why(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if len(text) > 60:
        text = text[:59] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def run_commands(cmds: Sequence[Sequence[str]], timeout: float = 2.0) -> list[str | Exception]:
    """Run small commands in parallel; each result is its stdout or the exception.

    A command that exits non-zero but printed something still returns its stdout
    (sysctl prints the names it knows even when one is unknown).
    """
    procs: list[subprocess.Popen | Exception] = []
    for cmd in cmds:
        try:
            procs.append(
                # close_fds=False with an absolute path lets CPython use posix_spawn (a
                # syscall on macOS): no fork() of a process that may map many GiB of
                # tensors. Python's own fds are non-inheritable (PEP 446) anyway.
                subprocess.Popen(
                    list(cmd),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    stdin=subprocess.DEVNULL,
                    text=True,
                    close_fds=False,
                )
            )
        except Exception as exc:  # noqa: BLE001 - reported, never raised
            procs.append(exc)
    results: list[str | Exception] = []
    deadline = time.monotonic() + timeout
    for proc in procs:
        if isinstance(proc, Exception):
            results.append(proc)
            continue
        try:
            out, err = proc.communicate(timeout=max(0.05, deadline - time.monotonic()))
        except subprocess.TimeoutExpired as exc:
            proc.kill()
            proc.communicate()
            results.append(exc)
            continue
        except Exception as exc:  # noqa: BLE001
            results.append(exc)
            continue
        if out.strip() or proc.returncode == 0:
            results.append(out)
        else:
            results.append(OSError(f"{proc.args[0]} exited {proc.returncode}: {err.strip()[:60]}"))
    return results


def _importing(module) -> bool:
    """True while `module` is still being imported (by another thread)."""
    return bool(getattr(getattr(module, "__spec__", None), "_initializing", False))


def _loaded(name: str):
    """The module if it is already imported (and finished importing), else None."""
    module = sys.modules.get(name)
    if module is None or _importing(module):
        return None
    return module


_libsystem = None


def _darwin_phys_footprint(pid: int) -> int:
    """This process's phys_footprint via proc_pid_rusage(pid, RUSAGE_INFO_V0, &info)."""
    global _libsystem
    if _libsystem is None:
        try:
            lib = ctypes.CDLL("/usr/lib/libSystem.B.dylib", use_errno=True)
        except OSError:
            lib = ctypes.CDLL(None, use_errno=True)
        lib.proc_pid_rusage.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
        lib.proc_pid_rusage.restype = ctypes.c_int
        _libsystem = lib
    buf = ctypes.create_string_buffer(512)  # larger than any rusage_info_vN
    if _libsystem.proc_pid_rusage(pid, 0, buf) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return phys_footprint_from_rusage(buf.raw)


class MemoryMonitor:
    """Samples memory; tracks peaks and swap growth since the run started.

    Sample from one worker thread; the UI thread may read the peaks and call
    swap_warning() meanwhile (those are guarded by a lock).
    `platform` and `run` exist for tests (the macOS path is exercised on Linux with
    recorded vm_stat/sysctl text).
    """

    def __init__(
        self,
        *,
        swap_threshold: int = SWAP_GROWTH_THRESHOLD,
        platform: str | None = None,
        run: Callable[[Sequence[Sequence[str]]], list[str | Exception]] | None = None,
    ) -> None:
        self.swap_threshold = swap_threshold
        self._platform = platform or sys.platform
        self._run = run or run_commands
        self._lock = threading.Lock()
        self._total: int | None = None  # static: cached after the first good read
        self._page_size: int | None = None  # static (macOS)
        self._gpu_working_set: int | None = None  # static once found
        self._proc = None
        self._uss: tuple[float, int] | None = None  # (when read, value)
        self._uss_interval = 0.0
        self._peak_used: int | None = None
        self._peak_process: int | None = None
        self._swap_start: int | None = None
        self.last_cost: float | None = None  # seconds the latest sample() took

    # -- peaks and swap -------------------------------------------------------------

    @property
    def peak_used(self) -> int | None:
        """Highest system `used` seen since reset_peak()."""
        return self._peak_used

    @property
    def peak_process(self) -> int | None:
        """Highest process memory (footprint, else RSS) seen since reset_peak()."""
        return self._peak_process

    def reset_peak(self) -> None:
        """Mark the start of a run: forget the peaks and take swap usage afresh as the
        baseline for swap_warning() (from the next sample)."""
        with self._lock:
            self._peak_used = None
            self._peak_process = None
            self._swap_start = None

    def swap_growth(self, sample: MemorySample) -> int | None:
        """Bytes of swap added since the run started (None when unknown)."""
        with self._lock:
            start = self._swap_start
        if start is None or sample.swap_used is None:
            return None
        return sample.swap_used - start

    def swap_warning(self, sample: MemorySample) -> bool:
        """True when swap used grew by more than `swap_threshold` since the run
        started: the system is paging memory out to disk and training will crawl."""
        growth = self.swap_growth(sample)
        return growth is not None and growth > self.swap_threshold

    # -- sampling -------------------------------------------------------------------

    def sample(self) -> MemorySample:
        """Read everything once. Never raises."""
        started = time.perf_counter()
        now = time.monotonic()
        unavailable: list[str] = []
        fields: dict = {}
        try:
            if self._platform == "darwin":
                fields.update(self._system_darwin(unavailable))
            else:
                fields.update(self._system_psutil(unavailable))
                fields["pressure"] = self._linux_pressure(unavailable)
            fields.update(self._process(now, unavailable))
            fields.update(self._frameworks(unavailable))
        except Exception as exc:  # noqa: BLE001 - a bug here must not kill a run
            unavailable.append(f"sample: {_why(exc)}")
        sample = MemorySample(time=now, unavailable=tuple(unavailable), **fields)
        self.observe(sample)
        self.last_cost = time.perf_counter() - started
        return sample

    def observe(self, sample: MemorySample) -> None:
        """Fold a sample into the peaks and the swap baseline (sample() does this)."""
        with self._lock:
            if sample.used is not None:
                self._peak_used = max(self._peak_used or 0, sample.used)
            if sample.process is not None:
                self._peak_process = max(self._peak_process or 0, sample.process)
            if self._swap_start is None and sample.swap_used is not None:
                self._swap_start = sample.swap_used

    def _cached_total(self, unavailable: list[str]) -> int | None:
        if self._total is not None:
            return self._total
        if psutil is not None:
            try:
                self._total = int(psutil.virtual_memory().total)
                return self._total
            except Exception:  # noqa: BLE001 - fall through to sysconf
                pass
        try:
            self._total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (ValueError, OSError, AttributeError) as exc:
            unavailable.append(f"total: {_why(exc)}")
        return self._total

    def _system_psutil(self, unavailable: list[str]) -> dict:
        out: dict = {}
        try:
            vm = psutil.virtual_memory()
            self._total = int(vm.total)
            out["total"] = self._total
            out["available"] = int(vm.available)
            out["used"] = max(0, int(vm.total) - int(vm.available))
        except Exception as exc:  # noqa: BLE001 - psutil <= 7.2.2 on macOS 26
            out["total"] = self._cached_total(unavailable)
            unavailable.append(f"used: {_why(exc)}")
            unavailable.append(f"available: {_why(exc)}")
        out.update(self._swap_psutil(unavailable))
        return out

    def _swap_psutil(self, unavailable: list[str]) -> dict:
        try:
            swap = psutil.swap_memory()
            return {"swap_used": int(swap.used), "swap_total": int(swap.total)}
        except Exception as exc:  # noqa: BLE001
            unavailable.append(f"swap: {_why(exc)}")
            return {}

    def _linux_pressure(self, unavailable: list[str]) -> str | None:
        try:
            with open("/proc/pressure/memory", encoding="ascii") as f:
                text = f.read()
        except OSError:
            return None  # no PSI on this kernel: not a failure, just not there
        try:
            return psi_pressure(parse_psi(text))
        except (ValueError, KeyError) as exc:
            unavailable.append(f"pressure: {_why(exc)}")
            return None

    def _system_darwin(self, unavailable: list[str]) -> dict:
        out: dict = {}
        names = ["vm.swapusage", "kern.memorystatus_vm_pressure_level"]
        if self._total is None:
            names.insert(0, "hw.memsize")
        vm_out, sysctl_out = self._run([[VM_STAT], [SYSCTL, *names]])

        sysctl: dict[str, str] = {}
        if isinstance(sysctl_out, Exception):
            unavailable.append(f"pressure: sysctl {_why(sysctl_out)}")
        else:
            sysctl = parse_sysctl(sysctl_out)
        if self._total is None and "hw.memsize" in sysctl:
            try:
                self._total = int(sysctl["hw.memsize"])
            except ValueError:
                pass
        total = self._cached_total(unavailable)
        out["total"] = total

        try:
            if isinstance(vm_out, Exception):
                raise vm_out
            vm = parse_vm_stat(vm_out)
            self._page_size = vm.get(PAGE_SIZE_KEY) or self._page_size
            if not self._page_size:
                raise ValueError("vm_stat printed no page size")
            parts = activity_monitor_breakdown(vm, self._page_size)
            used = parts["used"] if total is None else min(parts["used"], total)
            out.update(used=used, compressed=parts["compressed"], app=parts["app"], wired=parts["wired"])
            if total is not None:
                out["available"] = max(0, total - used)
        except Exception as exc:  # noqa: BLE001 - fall back to psutil's numbers
            unavailable.append(f"compressed: vm_stat {_why(exc)}")
            try:
                vm_ps = psutil.virtual_memory()
                out["available"] = int(vm_ps.available)
                out["used"] = max(0, int(vm_ps.total) - int(vm_ps.available))
            except Exception as exc2:  # noqa: BLE001
                unavailable.append(f"used: {_why(exc2)}")

        if "vm.swapusage" in sysctl:
            try:
                out["swap_total"], out["swap_used"] = parse_swapusage(sysctl["vm.swapusage"])
            except ValueError as exc:
                unavailable.append(f"swap: {_why(exc)}")
        else:
            out.update(self._swap_psutil(unavailable))

        if sysctl:
            level = sysctl.get("kern.memorystatus_vm_pressure_level")
            out["pressure"] = macos_pressure(level)
            if out["pressure"] is None:
                unavailable.append(f"pressure: level {level!r}")
        return out

    def _process(self, now: float, unavailable: list[str]) -> dict:
        out: dict = {}
        try:
            if self._proc is None:
                self._proc = psutil.Process()
            out["process_rss"] = int(self._proc.memory_info().rss)
        except Exception as exc:  # noqa: BLE001
            unavailable.append(f"process_rss: {_why(exc)}")
        if self._platform == "darwin":
            try:
                out["process_footprint"] = _darwin_phys_footprint(os.getpid())
                out["footprint_source"] = "phys_footprint"
                return out
            except Exception:  # noqa: BLE001 - fall back to USS below
                pass
        if self._uss is not None and now - self._uss[0] < self._uss_interval:
            out["process_footprint"] = self._uss[1]
            out["footprint_source"] = "uss"
            return out
        try:
            if self._proc is None:
                self._proc = psutil.Process()
            t0 = time.perf_counter()
            uss = int(self._proc.memory_full_info().uss)
            cost = time.perf_counter() - t0
            self._uss_interval = 0.0 if cost < USS_CHEAP else USS_INTERVAL
            self._uss = (now, uss)
            out["process_footprint"] = uss
            out["footprint_source"] = "uss"
        except Exception as exc:  # noqa: BLE001
            unavailable.append(f"process_footprint: {_why(exc)}")
        return out

    def _frameworks(self, unavailable: list[str]) -> dict:
        out: dict = {}
        mx = _loaded("mlx.core")
        if mx is not None:
            try:
                metal = getattr(mx, "metal", None)
                # mlx >= 0.24 has these at the top level; older releases under mx.metal
                src = mx if hasattr(mx, "get_active_memory") else metal
                out["mlx_active"] = int(src.get_active_memory())
                out["mlx_peak"] = int(src.get_peak_memory())
                out["mlx_cache"] = int(src.get_cache_memory())
            except Exception as exc:  # noqa: BLE001
                unavailable.append(f"mlx: {_why(exc)}")
            if self._gpu_working_set is None:
                try:
                    metal = getattr(mx, "metal", None)
                    if metal is not None and metal.is_available():
                        info_fn = getattr(mx, "device_info", None) or metal.device_info
                        value = info_fn().get("max_recommended_working_set_size")
                        if value:
                            self._gpu_working_set = int(value)
                except Exception as exc:  # noqa: BLE001
                    unavailable.append(f"gpu_working_set: mlx {_why(exc)}")
        torch = _loaded("torch")
        if torch is not None:
            try:
                mps_ok = bool(torch.backends.mps.is_available())
            except Exception as exc:  # noqa: BLE001
                mps_ok = False
                unavailable.append(f"torch_mps: {_why(exc)}")
            if mps_ok:
                try:
                    out["torch_mps_current"] = int(torch.mps.current_allocated_memory())
                    out["torch_mps_driver"] = int(torch.mps.driver_allocated_memory())
                except Exception as exc:  # noqa: BLE001
                    unavailable.append(f"torch_mps: {_why(exc)}")
                if self._gpu_working_set is None:
                    try:
                        self._gpu_working_set = int(torch.mps.recommended_max_memory()) or None
                    except Exception as exc:  # noqa: BLE001
                        unavailable.append(f"gpu_working_set: torch {_why(exc)}")
        out["gpu_working_set"] = self._gpu_working_set
        return out


# ---------------------------------------------------------------------------------------
# Text for the panel and for `tutor doctor`


def format_bytes(n: int | float | None) -> str:
    """1.5 GiB as "1.5 GiB", below 1 GiB in MiB ("512.0 MiB"), 0 as "0.0 GiB", None "—"."""
    if n is None:
        return "—"
    if n == 0 or abs(n) >= GiB:
        return f"{n / GiB:.1f} GiB"
    return f"{n / MiB:.1f} MiB"


def _gib_pair(a: int | None, b: int | None) -> str:
    """"12.3 / 64.0 GiB": both numbers in the unit of the second."""
    if a is None or b is None:
        return f"{format_bytes(a)} / {format_bytes(b)}"
    unit, name = (GiB, "GiB") if b >= GiB else (MiB, "MiB")
    return f"{a / unit:.1f} / {b / unit:.1f} {name}"


def cells(text: str) -> int:
    """Terminal cells `text` takes (CJK characters take two), ignoring [markup]."""
    plain = re.sub(r"\[/?[a-z ]*\]", "", text)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in plain)


def _fit(text: str, width: int) -> str:
    if cells(text) <= width:
        return text
    out = ""
    for ch in text:
        if cells(out + ch + "…") > width:
            break
        out += ch
    return out + "…"




def _t(key: str, lang: str, **kw) -> str:
    from .i18n import t

    return t(f"mem.{key}", lang, **kw)


def panel_lines(
    sample: MemorySample, lang: str, monitor: MemoryMonitor | None = None, width: int = PANEL_WIDTH
) -> list[str]:
    """The memory panel's lines in zh or en, each at most `width` cells.

    Lines are Textual/Rich markup: the swap warning is bold, the unavailable line dim;
    nothing else contains markup. Pass the monitor to show the process peak and the
    swap warning.
    """
    lines: list[str] = []
    if sample.used is not None or sample.total is not None:
        pair = _gib_pair(sample.used, sample.total)
        if sample.used is not None and sample.total:
            lines.append(_t("used", lang, pair=pair, pct=round(100 * sample.used / sample.total)))
        else:
            lines.append(_t("used_nopct", lang, pair=pair))
    lines.append(_t("avail_swap", lang, avail=format_bytes(sample.available), swap=format_bytes(sample.swap_used)))
    if monitor is not None and monitor.swap_warning(sample):
        lines.append(f"[b]{_fit(_t('swapping', lang), width)}[/b]")
    if sample.compressed is not None:
        lines.append(_t("compressed", lang, v=format_bytes(sample.compressed)))
    if sample.pressure is not None:
        lines.append(_t("pressure", lang, v=_t(sample.pressure, lang)))
    if sample.process is not None:
        peak = monitor.peak_process if monitor is not None else None
        if peak is not None:
            lines.append(_t("process_peak", lang, v=format_bytes(sample.process), peak=format_bytes(peak)))
        else:
            lines.append(_t("process", lang, v=format_bytes(sample.process)))
    if sample.mlx_active is not None:
        lines.append(_t("mlx", lang, active=format_bytes(sample.mlx_active), peak=format_bytes(sample.mlx_peak)))
        lines.append(_t("mlx_cache", lang, v=format_bytes(sample.mlx_cache)))
    if sample.torch_mps_current is not None or sample.torch_mps_driver is not None:
        lines.append(
            _t("mps", lang, current=format_bytes(sample.torch_mps_current), driver=format_bytes(sample.torch_mps_driver))
        )
    if sample.gpu_working_set is not None:
        if sample.total:
            pct = round(100 * sample.gpu_working_set / sample.total)
            lines.append(_t("gpu", lang, v=format_bytes(sample.gpu_working_set), pct=pct))
        else:
            lines.append(_t("gpu_nopct", lang, v=format_bytes(sample.gpu_working_set)))
    lines = [line if line.startswith("[b]") else _fit(line, width) for line in lines]
    if sample.unavailable:
        names = ", ".join(dict.fromkeys(u.split(":", 1)[0] for u in sample.unavailable))
        lines.append(f"[dim]{_fit(_t('unavailable', lang, names=names), width)}[/dim]")
    return lines


def gpu_working_set_note(total: int | None, lang: str = "en", measured: int | None = None) -> str:
    """For `tutor doctor`: what the GPU working set is and where its number comes from."""
    zh = lang == "zh"
    lines = [
        "GPU 工作集：Metal 建议 GPU 同时使用的内存上限，超过后训练会变慢或失败。"
        if zh
        else "GPU working set: the most memory Metal recommends the GPU use at once; past it, runs slow down or fail."
    ]
    if total:
        est, est26 = format_bytes(int(total * 0.75)), format_bytes(int(total * 0.84))
        lines.append(
            f"默认约为内存的 75%（{format_bytes(total)} → 约 {est}）；macOS 26 上报告可达约 84%（约 {est26}）。"
            if zh
            else f"By default about 75% of RAM ({format_bytes(total)} → ≈{est}); macOS 26 reports up to ≈84% (≈{est26})."
        )
    else:
        lines.append(
            "默认约为内存的 75%；macOS 26 上报告可达约 84%。"
            if zh
            else "By default about 75% of RAM; macOS 26 reports up to ≈84%."
        )
    if measured:
        pct = f" ({round(100 * measured / total)}%)" if total else ""
        lines.append(f"本机实测：{format_bytes(measured)}{pct}。" if zh else f"Measured here: {format_bytes(measured)}{pct}.")
    lines.append(
        "tutor 在运行时读取（MLX device_info / torch.mps.recommended_max_memory），不写死。"
        "可用 sudo sysctl iogpu.wired_limit_mb=N 调高。"
        if zh
        else "tutor reads it at run time (MLX device_info, torch.mps.recommended_max_memory), never hard-codes it. "
        "Raise it with: sudo sysctl iogpu.wired_limit_mb=N"
    )
    return "\n".join(lines)
