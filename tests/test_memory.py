"""The memory sampler: sane numbers here, never an exception, macOS parsing from fixtures.

The macOS path (vm_stat + sysctl) runs on Linux with recorded text in the format Apple's
`vm_stat` and `sysctl` print, through the monitor's injectable command runner.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import textwrap
import time
import types

import psutil
import pytest
from conftest import REPO

from tutor import memory
from tutor.memory import (
    GiB,
    MiB,
    PAGE_SIZE_KEY,
    MemoryMonitor,
    MemorySample,
    activity_monitor_breakdown,
    activity_monitor_used,
    cells,
    format_bytes,
    gpu_working_set_note,
    macos_pressure,
    panel_lines,
    parse_psi,
    parse_swapusage,
    parse_sysctl,
    parse_vm_stat,
    phys_footprint_from_rusage,
    psi_pressure,
    run_commands,
)

# A 64 GiB Apple Silicon Mac (16 KiB pages) in the middle of an MLX run. Consistent like
# the real thing: active + inactive + speculative + throttled = anonymous + file-backed.
VM_STAT_M2 = """\
Mach Virtual Memory Statistics: (page size of 16384 bytes)
Pages free:                              412000.
Pages active:                           1480000.
Pages inactive:                         1398000.
Pages speculative:                        52000.
Pages throttled:                              0.
Pages wired down:                        386000.
Pages purgeable:                          21500.
"Translation faults":                 912345678.
Pages copy-on-write:                   23456789.
Pages zero filled:                    345678901.
Pages reactivated:                      4567890.
Pages purged:                           1234567.
File-backed pages:                      1120000.
Anonymous pages:                        1810000.
Pages stored in compressor:              520000.
Pages occupied by compressor:            148000.
Decompressions:                         3456789.
Compressions:                           5678901.
Pageins:                               12345678.
Pageouts:                                 23456.
Swapins:                                   1200.
Swapouts:                                  3400.
"""
M2_TOTAL = 64 * GiB
M2_USED = (1810000 - 21500 + 386000 + 148000) * 16384  # app + wired + compressed

# An Intel Mac (4 KiB pages) on an older macOS: same row names, fewer rows.
VM_STAT_INTEL = """\
Mach Virtual Memory Statistics: (page size of 4096 bytes)
Pages free:                               30155.
Pages active:                            862215.
Pages inactive:                          855123.
Pages speculative:                         7049.
Pages throttled:                              0.
Pages wired down:                        395162.
Pages purgeable:                          91017.
"Translation faults":                 290012392.
Pages copy-on-write:                    7770125.
Pages zero filled:                    163347512.
Pages reactivated:                       598710.
Pages purged:                            361920.
File-backed pages:                       502115.
Anonymous pages:                        1222272.
Pages stored in compressor:              418217.
Pages occupied by compressor:            152311.
Decompressions:                          401222.
Compressions:                            949330.
Pageins:                                4563218.
Pageouts:                                  9812.
Swapins:                                      0.
Swapouts:                                     0.
"""

SYSCTL_FIRST = """\
hw.memsize: 68719476736
vm.swapusage: total = 2048.00M  used = 1123.25M  free = 924.75M  (encrypted)
kern.memorystatus_vm_pressure_level: 1
"""

PSI_CALM = "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"


def fake_mac(vm_stat: str = VM_STAT_M2, swap_used_mib: float = 1123.25, level: int = 1):
    """A command runner that answers like a Mac, recording what it was asked."""
    calls: list[list[str]] = []

    def run(cmds):
        results = []
        for cmd in cmds:
            calls.append(list(cmd))
            if cmd[0].endswith("vm_stat"):
                results.append(vm_stat)
            else:
                lines = []
                for name in cmd[1:]:
                    if name == "hw.memsize":
                        lines.append(f"hw.memsize: {M2_TOTAL}")
                    elif name == "vm.swapusage":
                        lines.append(
                            f"vm.swapusage: total = 2048.00M  used = {swap_used_mib:.2f}M  "
                            f"free = {2048 - swap_used_mib:.2f}M  (encrypted)"
                        )
                    elif name == "kern.memorystatus_vm_pressure_level":
                        lines.append(f"kern.memorystatus_vm_pressure_level: {level}")
                results.append("\n".join(lines) + "\n")
        return results

    run.calls = calls
    return run


# --- the sampler on this machine ---------------------------------------------------------


def test_sample_is_sane_here():
    s = MemoryMonitor().sample()
    assert s.total and s.total > 0
    assert s.used is not None and 0 < s.used <= s.total
    assert s.available is not None and 0 <= s.available <= s.total
    assert s.process_rss and s.process_rss > 0
    assert s.process_footprint and 0 < s.process_footprint
    assert s.swap_used is not None and s.swap_total is not None
    assert s.unavailable == (), s.unavailable
    if sys.platform != "darwin":
        assert s.compressed is None and s.footprint_source == "uss"


def test_sample_is_cheap():
    monitor = MemoryMonitor()
    monitor.sample()  # first sample caches the static values
    costs = []
    for _ in range(20):
        t0 = time.perf_counter()
        monitor.sample()
        costs.append(time.perf_counter() - t0)
    assert statistics.median(costs) < 0.050, costs
    assert monitor.last_cost is not None and monitor.last_cost < 1.0


MAC26_ERROR = "host_statistics64(HOST_VM_INFO64) syscall failed: (ipc/mig) array not large enough"


def test_psutil_runtime_error_gives_none_and_unavailable(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError(MAC26_ERROR)

    monkeypatch.setattr(psutil, "virtual_memory", broken)
    monkeypatch.setattr(psutil, "swap_memory", broken)
    s = MemoryMonitor(platform="linux").sample()
    assert s.used is None and s.available is None
    assert s.swap_used is None and s.swap_total is None
    assert s.total and s.total > 0  # from sysconf: the total is static and still known
    names = [u.split(":", 1)[0] for u in s.unavailable]
    assert {"used", "available", "swap"} <= set(names)
    assert all("RuntimeError" in u for u in s.unavailable)
    assert s.process_rss and s.process_rss > 0  # the rest still reads


def test_psutil_process_failures_are_reported(monkeypatch):
    class Broken:
        def memory_info(self):
            raise psutil.AccessDenied(1)

        def memory_full_info(self):
            raise RuntimeError("nope")

    monkeypatch.setattr(psutil, "Process", Broken)
    s = MemoryMonitor(platform="linux").sample()
    assert s.process_rss is None and s.process_footprint is None
    names = {u.split(":", 1)[0] for u in s.unavailable}
    assert {"process_rss", "process_footprint"} <= names


def test_a_bug_in_the_sampler_never_raises(monkeypatch):
    monitor = MemoryMonitor()
    monkeypatch.setattr(monitor, "_frameworks", lambda unavailable: 1 / 0)
    s = monitor.sample()
    assert s.used is not None  # what was read before the bug is kept
    assert any(u.startswith("sample: ZeroDivisionError") for u in s.unavailable)


# --- macOS parsing from fixtures ----------------------------------------------------------


def test_parse_vm_stat_apple_silicon():
    vm = parse_vm_stat(VM_STAT_M2)
    assert vm[PAGE_SIZE_KEY] == 16384
    assert vm["Pages wired down"] == 386000
    assert vm["Anonymous pages"] == 1810000
    assert vm["Pages occupied by compressor"] == 148000
    assert vm["Pages stored in compressor"] == 520000
    assert vm["Translation faults"] == 912345678  # the quoted row
    assert "Mach Virtual Memory Statistics" not in vm


def test_parse_vm_stat_intel_and_noise():
    vm = parse_vm_stat(VM_STAT_INTEL + "Object cache: 14 hits of 797355 lookups (0% hit rate)\n")
    assert vm[PAGE_SIZE_KEY] == 4096
    assert vm["Pages purgeable"] == 91017
    assert not any(k.startswith("Object cache") for k in vm)
    assert parse_vm_stat("") == {}


def test_activity_monitor_formula():
    vm = parse_vm_stat(VM_STAT_M2)
    parts = activity_monitor_breakdown(vm, 16384)
    assert parts["app"] == (1810000 - 21500) * 16384  # anonymous - purgeable
    assert parts["wired"] == 386000 * 16384
    assert parts["compressed"] == 148000 * 16384  # occupied, not "stored in"
    assert parts["used"] == parts["app"] + parts["wired"] + parts["compressed"] == M2_USED
    assert parts["cached_files"] == (1120000 + 21500) * 16384
    assert activity_monitor_used(vm, 16384) == M2_USED
    assert 35 * GiB < M2_USED < 36 * GiB  # what Activity Monitor would show: ~35.4 GB


def test_activity_monitor_formula_without_anonymous_row():
    vm = parse_vm_stat(VM_STAT_M2)
    del vm["Anonymous pages"]
    # the pageable queues minus file-backed pages are the anonymous pages
    assert activity_monitor_used(vm, 16384) == M2_USED
    with pytest.raises(KeyError):
        activity_monitor_used({"Pages free": 1}, 16384)


def test_activity_monitor_intel_page_size():
    vm = parse_vm_stat(VM_STAT_INTEL)
    assert activity_monitor_used(vm, vm[PAGE_SIZE_KEY]) == (1222272 - 91017 + 395162 + 152311) * 4096


def test_sysctl_swap_and_pressure_parsers():
    sc = parse_sysctl(SYSCTL_FIRST)
    assert sc["hw.memsize"] == "68719476736"
    assert parse_swapusage(sc["vm.swapusage"]) == (2048 * MiB, int(1123.25 * MiB))
    assert parse_swapusage("total = 0.00M  used = 0.00M  free = 0.00M  (encrypted)") == (0, 0)
    with pytest.raises(ValueError):
        parse_swapusage("garbage")
    assert [macos_pressure(v) for v in ("1", 2, " 4\n", "0", None, "x")] == [
        "normal",
        "warn",
        "critical",
        None,
        None,
        None,
    ]


def test_psi_parser_and_levels():
    assert psi_pressure(parse_psi(PSI_CALM)) == "normal"
    busy = "some avg10=23.50 avg60=4.00 avg300=1.00 total=99\nfull avg10=2.00 avg60=0.5 avg300=0.1 total=9\n"
    assert parse_psi(busy)["some"]["avg10"] == 23.5
    assert psi_pressure(parse_psi(busy)) == "warn"
    thrash = busy.replace("full avg10=2.00", "full avg10=31.00")
    assert psi_pressure(parse_psi(thrash)) == "critical"
    assert psi_pressure({}) is None


def test_phys_footprint_offset():
    raw = bytes(16) + b"".join(i.to_bytes(8, sys.byteorder) for i in range(1, 11))
    assert phys_footprint_from_rusage(raw) == 8  # the eighth uint64 after the uuid


def test_macos_sample_from_fixtures():
    run = fake_mac()
    monitor = MemoryMonitor(platform="darwin", run=run)
    s = monitor.sample()
    assert s.total == M2_TOTAL
    assert s.used == M2_USED
    assert s.available == M2_TOTAL - M2_USED
    assert s.compressed == 148000 * 16384
    assert s.app == (1810000 - 21500) * 16384 and s.wired == 386000 * 16384
    assert s.swap_total == 2048 * MiB and s.swap_used == int(1123.25 * MiB)
    assert s.pressure == "normal"
    assert s.unavailable == (), s.unavailable
    assert "hw.memsize" in run.calls[1]
    monitor.sample()
    # total and page size are cached: the second sysctl does not ask for hw.memsize
    assert "hw.memsize" not in run.calls[3]
    assert run.calls[2] == [memory.VM_STAT]


def test_macos_pressure_levels_from_sysctl():
    assert MemoryMonitor(platform="darwin", run=fake_mac(level=2)).sample().pressure == "warn"
    s = MemoryMonitor(platform="darwin", run=fake_mac(level=4)).sample()
    assert s.pressure == "critical"
    odd = MemoryMonitor(platform="darwin", run=fake_mac(level=7)).sample()
    assert odd.pressure is None and any(u.startswith("pressure:") for u in odd.unavailable)


def test_macos_commands_failing_with_psutil_broken_too(monkeypatch):
    """macOS 26 with psutil 7.2.2 and vm_stat/sysctl unavailable: Nones, never a raise."""

    def broken(*args, **kwargs):
        raise RuntimeError(MAC26_ERROR)

    monkeypatch.setattr(psutil, "virtual_memory", broken)
    monkeypatch.setattr(psutil, "swap_memory", broken)
    monitor = MemoryMonitor(platform="darwin", run=lambda cmds: [FileNotFoundError("vm_stat")] * len(cmds))
    s = monitor.sample()
    assert s.used is None and s.compressed is None and s.swap_used is None and s.pressure is None
    assert s.total and s.total > 0  # sysconf still knows the RAM
    names = {u.split(":", 1)[0] for u in s.unavailable}
    assert {"compressed", "used", "swap", "pressure"} <= names


def test_macos_bad_vm_stat_falls_back_to_psutil():
    monitor = MemoryMonitor(platform="darwin", run=fake_mac(vm_stat="vm_stat: failed to get statistics\n"))
    s = monitor.sample()
    assert s.compressed is None
    assert s.used is not None  # psutil's total - available
    assert any(u.startswith("compressed: vm_stat") for u in s.unavailable)


def test_run_commands_runs_in_parallel_and_reports_failures():
    out = run_commands([["echo", "hi"], ["false"], ["/nonexistent/vm_stat"], ["sh", "-c", "echo partial; exit 3"]])
    assert out[0] == "hi\n"
    assert isinstance(out[1], OSError)
    assert isinstance(out[2], FileNotFoundError)
    assert out[3] == "partial\n"  # sysctl prints the names it knows and exits non-zero
    slow = run_commands([["sleep", "5"]], timeout=0.2)
    assert isinstance(slow[0], subprocess.TimeoutExpired)


# --- frameworks ----------------------------------------------------------------------------


def _run_py(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


def test_sampling_imports_no_framework():
    loaded = _run_py(
        """
        import sys
        from tutor.memory import MemoryMonitor, panel_lines
        s = MemoryMonitor().sample()
        panel_lines(s, "zh")
        assert s.mlx_active is None and s.torch_mps_current is None and s.gpu_working_set is None
        print("loaded:" + ",".join(sorted({m.split(".")[0] for m in sys.modules} & {"torch", "mlx", "numpy"})))
        """
    )
    assert loaded == "loaded:"


def test_mlx_counters_when_mlx_is_loaded():
    result = json.loads(
        _run_py(
            """
            import json
            import mlx.core as mx
            from tutor.memory import MemoryMonitor
            a = mx.ones((1024, 1024))  # 4 MiB of float32
            mx.eval(a)
            s = MemoryMonitor().sample()
            print(json.dumps({"active": s.mlx_active, "peak": s.mlx_peak, "cache": s.mlx_cache,
                              "gpu": s.gpu_working_set, "unavailable": s.unavailable}))
            """
        )
    )
    assert result["active"] >= 4 * MiB
    assert result["peak"] >= result["active"]
    assert result["cache"] is not None
    assert result["unavailable"] == []
    if sys.platform != "darwin":
        assert result["gpu"] is None  # no Metal: no working set, and not an error


def _fake_module(name: str, **attrs) -> types.ModuleType:
    module = types.ModuleType(name)
    for key, value in attrs.items():
        setattr(module, key, value)
    return module


def test_torch_mps_and_metal_working_set_read_through_their_apis(monkeypatch):
    """No MPS here: a stand-in torch with the documented torch.mps functions."""
    fake_torch = _fake_module(
        "torch",
        backends=types.SimpleNamespace(mps=types.SimpleNamespace(is_available=lambda: True)),
        mps=types.SimpleNamespace(
            current_allocated_memory=lambda: 3 * GiB,
            driver_allocated_memory=lambda: 5 * GiB,
            recommended_max_memory=lambda: 48 * GiB,
        ),
    )
    monkeypatch.setitem(sys.modules, "torch", fake_torch)
    monkeypatch.delitem(sys.modules, "mlx.core", raising=False)
    s = MemoryMonitor().sample()
    assert (s.torch_mps_current, s.torch_mps_driver, s.gpu_working_set) == (3 * GiB, 5 * GiB, 48 * GiB)
    assert s.unavailable == ()


def test_metal_working_set_from_mlx_device_info(monkeypatch):
    fake_mx = _fake_module(
        "mlx.core",
        get_active_memory=lambda: 1 * GiB,
        get_peak_memory=lambda: 2 * GiB,
        get_cache_memory=lambda: 256 * MiB,
        device_info=lambda: {"memory_size": 64 * GiB, "max_recommended_working_set_size": 51 * GiB},
        metal=types.SimpleNamespace(is_available=lambda: True),
    )
    monkeypatch.setitem(sys.modules, "mlx.core", fake_mx)
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    s = MemoryMonitor().sample()
    assert (s.mlx_active, s.mlx_peak, s.mlx_cache, s.gpu_working_set) == (GiB, 2 * GiB, 256 * MiB, 51 * GiB)


def test_framework_errors_and_half_imported_modules(monkeypatch):
    def boom():
        raise RuntimeError("MPS backend out of memory")

    fake_torch = _fake_module(
        "torch",
        backends=types.SimpleNamespace(mps=types.SimpleNamespace(is_available=lambda: True)),
        mps=types.SimpleNamespace(current_allocated_memory=boom, driver_allocated_memory=boom,
                                  recommended_max_memory=boom),
    )
    monkeypatch.setitem(sys.modules, "torch", fake_torch)
    # mlx.core still being imported by another thread: left alone, not an error
    importing = _fake_module("mlx.core")
    importing.__spec__ = types.SimpleNamespace(_initializing=True)
    monkeypatch.setitem(sys.modules, "mlx.core", importing)
    s = MemoryMonitor().sample()
    assert s.torch_mps_current is None and s.mlx_active is None
    names = {u.split(":", 1)[0] for u in s.unavailable}
    assert names == {"torch_mps", "gpu_working_set"}


# --- peaks and swap ------------------------------------------------------------------------


def _s(t: float = 0.0, **kw) -> MemorySample:
    return MemorySample(time=t, total=64 * GiB, **kw)


def test_peak_tracking_and_reset():
    m = MemoryMonitor()
    assert m.peak_used is None and m.peak_process is None
    m.observe(_s(used=10 * GiB, process_rss=2 * GiB))
    m.observe(_s(used=30 * GiB, process_rss=5 * GiB, process_footprint=6 * GiB))
    m.observe(_s(used=20 * GiB, process_rss=1 * GiB))
    m.observe(_s())  # an unreadable sample changes nothing
    assert m.peak_used == 30 * GiB
    assert m.peak_process == 6 * GiB  # footprint preferred over RSS
    m.reset_peak()
    assert m.peak_used is None and m.peak_process is None
    m.observe(_s(used=12 * GiB, process_rss=GiB))
    assert m.peak_used == 12 * GiB and m.peak_process == GiB


def test_peak_follows_real_samples():
    m = MemoryMonitor(platform="darwin", run=fake_mac())
    m.sample()
    assert m.peak_used == M2_USED
    lighter = VM_STAT_M2.replace("1810000.", "1010000.")
    m._run = fake_mac(vm_stat=lighter)
    m.sample()
    assert m.peak_used == M2_USED  # the peak stays


def test_swap_warning_when_swap_grows_since_run_start():
    m = MemoryMonitor(swap_threshold=64 * MiB)
    start = _s(swap_used=1 * GiB)
    m.observe(start)
    assert not m.swap_warning(start)
    assert not m.swap_warning(_s(swap_used=GiB + 10 * MiB))  # noise
    assert m.swap_warning(_s(swap_used=GiB + 200 * MiB))
    assert m.swap_growth(_s(swap_used=GiB + 200 * MiB)) == 200 * MiB
    assert not m.swap_warning(_s(swap_used=512 * MiB))  # shrank
    assert not m.swap_warning(_s())  # unknown is not a warning
    m.reset_peak()  # a new run: the baseline is taken afresh
    assert not m.swap_warning(_s(swap_used=GiB + 200 * MiB))
    m.observe(_s(swap_used=GiB + 200 * MiB))
    assert not m.swap_warning(_s(swap_used=GiB + 250 * MiB))


def test_swap_warning_through_macos_samples():
    m = MemoryMonitor(platform="darwin", run=fake_mac(swap_used_mib=100))
    first = m.sample()
    assert not m.swap_warning(first)
    m._run = fake_mac(swap_used_mib=900)
    swapping = m.sample()
    assert m.swap_warning(swapping)
    assert any("Swapping" in line for line in panel_lines(swapping, "en", m))
    assert any("换页" in line for line in panel_lines(swapping, "zh", m))


def test_no_baseline_until_swap_is_readable():
    m = MemoryMonitor()
    m.observe(_s())
    m.observe(_s(swap_used=GiB))
    assert m.swap_growth(_s(swap_used=GiB)) == 0


# --- text ----------------------------------------------------------------------------------


def test_format_bytes():
    assert format_bytes(None) == "—"
    assert format_bytes(0) == "0.0 GiB"
    assert format_bytes(12.34 * GiB) == "12.3 GiB"
    assert format_bytes(64 * GiB) == "64.0 GiB"
    assert format_bytes(512 * MiB) == "512.0 MiB"
    assert format_bytes(1536 * MiB) == "1.5 GiB"
    assert format_bytes(1024) == "0.0 MiB"


FULL = MemorySample(
    time=1.0,
    total=64 * GiB,
    used=int(12.3 * GiB),
    available=int(51.7 * GiB),
    compressed=int(1.2 * GiB),
    swap_used=0,
    swap_total=2 * GiB,
    pressure="normal",
    process_rss=int(1.1 * GiB),
    process_footprint=int(2.4 * GiB),
    footprint_source="phys_footprint",
    mlx_active=int(1.5 * GiB),
    mlx_peak=int(2.5 * GiB),
    mlx_cache=512 * MiB,
    torch_mps_current=3 * GiB,
    torch_mps_driver=int(4.5 * GiB),
    gpu_working_set=48 * GiB,
)


def test_panel_lines_zh():
    lines = panel_lines(FULL, "zh")
    text = "\n".join(lines)
    assert lines[0] == "已用 12.3 / 64.0 GiB (19%)"
    assert "可用 51.7 GiB · Swap 0.0 GiB" in lines
    assert "被压缩 1.2 GiB" in lines
    assert "压力 正常" in lines
    assert "本进程 2.4 GiB" in lines
    assert "MLX 1.5 GiB · 峰值 2.5 GiB" in lines and "MLX 缓存 512.0 MiB" in lines
    assert "MPS 3.0 GiB · 驱动 4.5 GiB" in lines
    assert "GPU 工作集 48.0 GiB (75%)" in lines
    assert "unavailable" not in text and "不可读" not in text


def test_panel_lines_en():
    lines = panel_lines(FULL, "en")
    assert lines[0] == "Used 12.3 / 64.0 GiB (19%)"
    assert "Avail 51.7 GiB · Swap 0.0 GiB" in lines
    assert "Compressed 1.2 GiB" in lines
    assert "Pressure normal" in lines
    assert "MLX 1.5 GiB · peak 2.5 GiB" in lines and "MLX cache 512.0 MiB" in lines
    assert "MPS 3.0 GiB · driver 4.5 GiB" in lines
    assert "GPU working set 48.0 GiB (75%)" in lines


def test_panel_lines_pressure_words_and_monitor_peak():
    m = MemoryMonitor()
    m.observe(FULL)
    m.observe(MemorySample(time=2.0, process_footprint=5 * GiB))
    assert "本进程 2.4 GiB · 峰值 5.0 GiB" in panel_lines(FULL, "zh", m)
    assert "Process 2.4 GiB · peak 5.0 GiB" in panel_lines(FULL, "en", m)
    for level, zh, en in (("warn", "警告", "warn"), ("critical", "严重", "critical")):
        s = MemorySample(time=0, total=GiB, used=GiB, pressure=level)
        assert f"压力 {zh}" in panel_lines(s, "zh") and f"Pressure {en}" in panel_lines(s, "en")


def test_panel_lines_linux_shape_and_unavailable_dimmed():
    s = MemorySample(
        time=0,
        total=16 * GiB,
        swap_used=None,
        process_rss=300 * MiB,
        unavailable=("used: RuntimeError: host_statistics64", "available: RuntimeError", "swap: RuntimeError"),
    )
    zh, en = panel_lines(s, "zh"), panel_lines(s, "en")
    assert zh[0] == "已用 — / 16.0 GiB" and en[0] == "Used — / 16.0 GiB"
    assert "可用 — · Swap —" in zh
    assert not any(line.startswith(("被压缩", "压力", "MLX", "MPS", "GPU")) for line in zh)
    assert zh[-1] == "[dim]不可读：used, available, swap[/dim]"
    assert en[-1] == "[dim]unavailable: used, available, swap[/dim]"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_panel_lines_fit_35_cells_on_the_biggest_mac(lang):
    big = MemorySample(
        time=0,
        total=512 * GiB,
        used=int(488.8 * GiB),
        available=int(123.4 * GiB),
        compressed=int(123.4 * GiB),
        swap_used=int(123.4 * GiB),
        pressure="critical",
        process_footprint=int(388.8 * GiB),
        mlx_active=int(388.8 * GiB),
        mlx_peak=int(399.9 * GiB),
        mlx_cache=int(123.4 * GiB),
        torch_mps_current=int(388.8 * GiB),
        torch_mps_driver=int(399.9 * GiB),
        gpu_working_set=int(430.1 * GiB),
        unavailable=tuple(f"{n}: RuntimeError" for n in ("process_rss", "swap", "pressure", "gpu_working_set")),
    )
    m = MemoryMonitor()
    m.observe(MemorySample(time=0, swap_used=0, process_footprint=int(444.4 * GiB)))
    lines = panel_lines(big, lang, m)
    assert any("⚠" in line for line in lines)
    for line in lines:
        assert cells(line) <= 35, (line, cells(line))
    assert lines[-1].endswith("…[/dim]")  # a long unavailable list is cut, not wrapped


def test_cells_counts_cjk_double():
    assert cells("压力 正常") == 9
    assert cells("[dim]abc[/dim]") == 3


def test_gpu_working_set_note():
    en = gpu_working_set_note(64 * GiB)
    assert "75%" in en and "84%" in en and "48.0 GiB" in en and "53.8 GiB" in en
    assert "run time" in en and "iogpu.wired_limit_mb" in en and "recommended_max_memory" in en
    zh = gpu_working_set_note(64 * GiB, "zh", measured=48 * GiB)
    assert "75%" in zh and "84%" in zh and "运行时读取" in zh and "48.0 GiB (75%)" in zh
    assert "75%" in gpu_working_set_note(None)
