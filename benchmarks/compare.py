#!/usr/bin/env python
"""Benchmark transgrad against NumPy, PyTorch, JAX and HIPS autograd (issue 7).

    python benchmarks/compare.py                 # everything: W1-W6, C1, M1 (a few minutes)
    python benchmarks/compare.py --quick         # few repeats: a smoke run for CI
    python benchmarks/compare.py --only W1,W3    # some workloads (C1 and M1 are names too)
    python benchmarks/compare.py --json out.json # also write every figure as JSON

Prints one table of median times per gradient call, measured in this one process with the
columns interleaved (round-robin, the starting column rotating each round), every thread pool
pinned to one thread; then the ratios issue 7 sets floors for, each marked `ok` or `MISS`.
Before anything is timed every column's gradient is checked against central finite differences
and against a peer; a mismatch is printed loudly, flagged `!` in the table and makes the exit
status 1. A column that cannot run (a peer not installed, a transgrad feature not written yet,
an error) shows `n/a [k]`, with the reason in footnote k. transgrad's columns switch on by
themselves when `tg.grad` / `tg.Tensor` exist. See docs/benchmarks.md.
"""
import os

# One thread everywhere, before NumPy, torch or JAX is imported.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"
os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                           " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1").strip()

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from tests.benchmarks import checks, compile_time, peakmem  # noqa: E402
from tests.benchmarks.columns import COLUMNS, LABELS, Unavailable, describe, prepare  # noqa: E402
from tests.benchmarks.workloads import (  # noqa: E402
    COMPILE_1000_FLOOR_S, COMPILE_1000_OVER_100_FLOOR, COMPILE_FLOOR_S, STRAIGHT_LINE_SIZES,
    WORKLOADS, Workload)

SECTIONS = (*WORKLOADS, "C1", "M1")
MEMORY_WORKLOADS = ("W4", "W6")


def main(argv=None):
    options = _parse(argv)
    _pin_peer_threads()
    tg = _transgrad()
    report = Report()
    settings = {"repeats": options.repeats, "sample_seconds": options.sample_seconds,
                "compile_repeats": options.compile_repeats, "memory_repeats": options.memory_repeats,
                "quick": options.quick}
    print(_header(settings), flush=True)

    for name in [n for n in WORKLOADS if n in options.sections]:
        report.workloads[name] = bench_workload(WORKLOADS[name], tg, options, report)
    if "C1" in options.sections:
        report.straight_line = bench_straight_lines(tg, options, report)
    if "M1" in options.sections:
        report.memory = bench_memory(report, options.memory_repeats)

    print(render(report))
    if options.json:
        Path(options.json).write_text(json.dumps(report.as_json(settings), indent=2) + "\n")
        print(f"wrote {options.json}")
    return 1 if report.problems else 0


# ---- runtime: W1-W6 ------------------------------------------------------------------------

def bench_workload(workload, tg, options, report):
    """Medians per column, compile time, gradient problems for one workload."""
    print(f"{workload.name} {workload.title}: preparing", end="", flush=True)
    args = workload.make_inputs()
    runners, unavailable = {}, {}
    for column in COLUMNS:
        try:
            runners[column] = prepare(column, workload, args)
        except Unavailable as reason:
            unavailable[column] = str(reason)
        print(".", end="", flush=True)

    gradients = {c: r.gradients(r.call()) for c, r in runners.items() if c != "primal"}
    fd = checks.finite_differences(workload, args)
    problems = checks.check_all(workload, args, gradients, fd)
    report.flag(problems)

    print(" timing", end="", flush=True)
    gc.collect()
    medians = time_interleaved(runners, options.repeats, options.sample_seconds, unavailable)
    compile_s = None
    if tg is not None and hasattr(tg, "grad") and "compiled" in runners:
        try:
            compile_s = median_compile_seconds(tg, workload, args, options.compile_repeats)
        except Exception as error:
            unavailable["compile"] = describe(error)
    print(" done", flush=True)
    return {"title": workload.title, "seconds": medians, "unavailable": unavailable,
            "compile_seconds": compile_s, "problems": problems, "workload": workload}


def time_interleaved(runners, repeats, sample_seconds, unavailable):
    """Median seconds per call of each runner; rounds visit every column once, in an order
    that rotates, each sample repeating the call enough times to last `sample_seconds`."""
    numbers = {column: _calls_per_sample(runner.call, sample_seconds) for column, runner in runners.items()}
    samples = {column: [] for column in runners}
    order = list(runners)
    for round_ in range(repeats):
        shift = round_ % max(len(order), 1)
        for column in order[shift:] + order[:shift]:
            if column in unavailable:
                continue
            call, number = runners[column].call, numbers[column]
            try:
                start = time.perf_counter()
                for _ in range(number):
                    call()
                samples[column].append((time.perf_counter() - start) / number)
            except Exception as error:
                unavailable[column] = describe(error)
    return {column: statistics.median(values) for column, values in samples.items()
            if values and column not in unavailable}


def _calls_per_sample(call, sample_seconds):
    start = time.perf_counter()
    call()
    once = time.perf_counter() - start
    return max(1, min(10_000, int(sample_seconds / max(once, 1e-7))))


def median_compile_seconds(tg, workload, args, repeats):
    with tempfile.TemporaryDirectory(prefix="tg-compile-") as directory:
        return statistics.median(
            compile_time.compile_seconds(tg, compile_time.fresh_copy(workload.fn, directory),
                                         args, workload.argnum)[0]
            for _ in range(repeats))


# ---- C1: generated straight-line functions --------------------------------------------------

def bench_straight_lines(tg, options, report):
    """{n: {"seconds": s | None, "unavailable": reason | None}} for the generated functions,
    each compiled fresh `compile_repeats` times (median), the sizes interleaved within each
    round (so that a change of load shifts every size alike, not the ratio between them);
    the first result of each size is checked."""
    print("C1 straight-line functions: compiling", end="", flush=True)
    args = compile_time.straight_line_inputs()
    if tg is None or not hasattr(tg, "grad"):
        return {n: {"seconds": None, "unavailable": "tg.grad not implemented yet"}
                for n in STRAIGHT_LINE_SIZES}
    timings = {n: [] for n in STRAIGHT_LINE_SIZES}
    problems, failed = {}, {}
    with tempfile.TemporaryDirectory(prefix="tg-straight-") as directory:
        for k in range(options.compile_repeats):
            for n in STRAIGHT_LINE_SIZES:
                if n in failed:
                    continue
                try:
                    fn = compile_time.straight_line(n, directory)
                    seconds, first = compile_time.compile_seconds(tg, fn, args, (0, 1))
                    timings[n].append(seconds)
                    if k == 0:
                        problems[n] = _check_straight_line(n, fn, args, first)
                        report.flag(problems[n])
                except Exception as error:
                    failed[n] = describe(error)
            print(".", end="", flush=True)
    print(" done", flush=True)
    return {n: ({"seconds": None, "unavailable": failed[n]} if n in failed else
                {"seconds": statistics.median(timings[n]), "unavailable": None,
                 "problems": problems[n]})
            for n in STRAIGHT_LINE_SIZES}


def _check_straight_line(n, fn, args, result):
    workload = Workload(f"C1-{n}", f"straight line {n}", fn, (0, 1), lambda: args, "float64", 0.0)
    gradients = tuple(np.asarray(g, dtype=np.float64) for g in result)
    return checks.problems(workload, LABELS["compiled"], gradients, args,
                           checks.finite_differences(workload, args))


# ---- M1: peak memory ------------------------------------------------------------------------

def bench_memory(report, repeats):
    """{workload: {column: {"peak_bytes": median, "samples": [...], "gradient_sums": [...]}
    or {"unavailable": reason}}}, each sample measured in a fresh process."""
    print("M1 peak memory: probing", end="", flush=True)
    results = {}
    for name in MEMORY_WORKLOADS:
        results[name] = {}
        for column in peakmem.MEMORY_COLUMNS:
            samples = []
            for _ in range(repeats):
                samples.append(peakmem.measure(name, column))
                print(".", end="", flush=True)
                if "unavailable" in samples[-1]:
                    break
            results[name][column] = _median_probe(samples)
        sums = {c: r["gradient_sums"] for c, r in results[name].items()
                if "gradient_sums" in r and c != "primal"}
        reference = sums.get("torch")
        for column, values in sums.items():
            if reference is not None and not np.allclose(values, reference, rtol=1e-3, atol=1e-3):
                report.flag([f"M1 {name} {LABELS[column]}: gradient sums {values} differ from "
                             f"torch eager's {reference}"])
    print(" done", flush=True)
    return results


def _median_probe(samples):
    if "unavailable" in samples[-1]:
        return samples[-1]
    peaks = [s["peak_bytes"] for s in samples]
    return {"peak_bytes": int(statistics.median(peaks)), "samples": peaks,
            "gradient_sums": samples[-1]["gradient_sums"]}


# ---- the report -----------------------------------------------------------------------------

class Report:
    """Figures gathered so far, footnotes for n/a reasons, gradient problems."""

    def __init__(self):
        self.workloads, self.straight_line, self.memory = {}, None, None
        self.problems = []
        self.footnotes = {}

    def flag(self, problems):
        if problems:
            banner = "!" * 72
            print(f"\n{banner}\nGRADIENT MISMATCH\n" + "\n".join(problems) + f"\n{banner}",
                  file=sys.stderr, flush=True)
            self.problems += problems

    def note(self, reason):
        """`[k]`, the footnote number of `reason`."""
        return f"[{self.footnotes.setdefault(reason, len(self.footnotes) + 1)}]"

    def as_json(self, settings):
        workloads = {}
        for name, entry in self.workloads.items():
            workload = entry["workload"]
            workloads[name] = {
                "title": entry["title"],
                "seconds": entry["seconds"],
                "unavailable": entry["unavailable"],
                "compile_seconds": entry["compile_seconds"],
                "ratios": {label: {"value": value, "floor": floor, "meets": _meets(value, floor)}
                           for label, value, floor in _ratios(entry, workload)},
                "gradient_problems": entry["problems"],
            }
        return {"environment": _environment(), "settings": settings, "workloads": workloads,
                "straight_line_compile": self.straight_line, "peak_memory": self.memory,
                "gradient_problems": self.problems, "floors_missed": _missed(self)}


def _ratios(entry, workload):
    seconds = entry["seconds"]

    def ratio(top, bottom):
        return seconds[top] / seconds[bottom] if top in seconds and bottom in seconds else None

    rows = [("compiled/primal", ratio("compiled", "primal"), workload.compiled_floor)]
    if workload.eager_floor is not None:
        rows.append(("eager/torch", ratio("eager", "torch"), workload.eager_floor))
    rows.append(("compile_seconds", entry["compile_seconds"], COMPILE_FLOOR_S))
    return rows


def _meets(value, floor):
    return None if value is None or floor is None else bool(value <= floor)


def _straight_line_floors(results):
    """[(n, seconds, [(label, value, floor)])] with issue 7's floors for each size."""
    rows = []
    t100 = (results.get(100) or {}).get("seconds")
    for n, result in results.items():
        seconds = result["seconds"]
        if n == 1000:
            floors = [("<=2 s", seconds, COMPILE_1000_FLOOR_S),
                      ("<=12x the 100-stmt time", seconds / t100 if seconds and t100 else None,
                       COMPILE_1000_OVER_100_FLOOR)]
        else:
            floors = [("", seconds, None)]   # issue 7 bounds only W1-W6 and 1,000 statements
        rows.append((n, result, floors))
    return rows


def _missed(report):
    missed = []
    for name, entry in report.workloads.items():
        for label, value, floor in _ratios(entry, entry["workload"]):
            if _meets(value, floor) is False:
                missed.append(f"{name} {label} {value:.3g} > {floor}")
    for n, _, floors in _straight_line_floors(report.straight_line or {}):
        for label, value, floor in floors:
            if _meets(value, floor) is False:
                missed.append(f"C1 {n} statements: {value:.3g}, floor {label}")
    for name, row in (report.memory or {}).items():
        torch_peak = row.get("torch", {}).get("peak_bytes")
        for column in ("compiled", "eager"):
            peak = row.get(column, {}).get("peak_bytes")
            if peak is not None and torch_peak is not None and peak > torch_peak:
                missed.append(f"M1 {name} {column} peak {peak} B > torch's {torch_peak} B")
    return missed


def render(report):
    out = []
    if report.workloads:
        out += ["", "Median time per gradient call (NumPy primal: per primal call); ratios against "
                    "issue 7's floors", ""]
        out += _render_runtime(report)
    if report.straight_line is not None:
        out += ["", "C1 compile time of generated straight-line functions (first tg.grad call "
                    "minus a steady call)", ""]
        out += _render_straight_line(report)
    if report.memory is not None:
        out += ["", "M1 peak memory added by one gradient call, each in a fresh process, median "
                    "(floor: transgrad <= torch eager)", ""]
        out += _render_memory(report)
    if report.footnotes:
        out += [""] + [f"[{k}] n/a ({reason})" for reason, k in report.footnotes.items()]
    missed = _missed(report)
    out += ["", f"floors missed: {len(missed)}" + "".join(f"\n  {m}" for m in missed)]
    if report.problems:
        out += ["", f"GRADIENT MISMATCHES: {len(report.problems)} (see above; exit status 1)"]
    return "\n".join(out)


def _render_runtime(report):
    header = ["workload", *(LABELS[c] for c in COLUMNS), "compiled/primal", "eager/torch", "compile"]
    rows = []
    for name, entry in report.workloads.items():
        workload = entry["workload"]
        flagged = {problem.split(":")[0] for problem in entry["problems"]}
        row = [f"{name} {entry['title']}"]
        for column in COLUMNS:
            if column in entry["seconds"]:
                mark = " !" if f"{name} {LABELS[column]}" in flagged else ""
                row.append(_format_seconds(entry["seconds"][column]) + mark)
            else:
                row.append("n/a " + report.note(f"{LABELS[column]}: {entry['unavailable'].get(column, '?')}"))
        ratios = {label: (value, floor) for label, value, floor in _ratios(entry, workload)}
        row.append(_floor_cell(*ratios["compiled/primal"], "x"))
        row.append(_floor_cell(*ratios["eager/torch"], "x") if "eager/torch" in ratios else "-")
        compile_s, floor = ratios["compile_seconds"]
        if compile_s is None and "compile" in entry["unavailable"]:
            row.append("n/a " + report.note(f"compile: {entry['unavailable']['compile']}"))
        else:
            row.append(_floor_cell(compile_s, floor, "s"))
        rows.append(row)
    return _table(header, rows)


def _render_straight_line(report):
    rows = []
    for n, result, floors in _straight_line_floors(report.straight_line):
        if result["seconds"] is None:
            cells = ["n/a " + report.note(f"compile: {result['unavailable']}")]
            cells += [f"(floor {label})" for label, _, _ in floors[1:]]
        else:
            cells = [_floor_cell(value, floor, "x" if "x" in label else "s")
                     for label, value, floor in floors]
            if result.get("problems"):
                cells[0] += " !"
        rows.append([f"{n} statements", *cells] + [""] * (2 - len(cells)))
    return _table(["function", "compile", "1000-stmt / 100-stmt"], rows)


def _render_memory(report):
    header = ["workload", *(LABELS[c] for c in peakmem.MEMORY_COLUMNS)]
    rows = []
    for name, row in report.memory.items():
        torch_peak = row.get("torch", {}).get("peak_bytes")
        cells = [name]
        for column in peakmem.MEMORY_COLUMNS:
            result = row[column]
            if "peak_bytes" not in result:
                cells.append("n/a " + report.note(f"{LABELS[column]} memory: {result['unavailable']}"))
                continue
            text = _format_bytes(result["peak_bytes"])
            if column in ("compiled", "eager") and torch_peak is not None:
                text += " ok" if result["peak_bytes"] <= torch_peak else " MISS"
            cells.append(text)
        rows.append(cells)
    return _table(header, rows)


def _floor_cell(value, floor, unit):
    if floor is None:       # a figure reported without a floor
        return "n/a" if value is None else _format_seconds(value) if unit == "s" else f"{value:.2f}"
    limit = f"<={_format_seconds(floor, 3)}" if unit == "s" else f"<={floor:g}"
    if value is None:
        return f"n/a ({limit})"
    shown = _format_seconds(value) if unit == "s" else f"{value:.2f}"
    return f"{shown} {'ok' if value <= floor else 'MISS'} ({limit})"


def _format_bytes(count):
    return f"{count / 2**20:.1f} MiB" if count >= 2**20 else f"{count / 2**10:.0f} KiB"


def _format_seconds(seconds, digits=None):
    if seconds >= 1:
        return f"{seconds:.{digits or 3}g} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} us"


def _table(header, rows):
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                       for i, (c, w) in enumerate(zip(r, widths))) for r in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


# ---- setup ----------------------------------------------------------------------------------

def _parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="few repeats: a smoke run for CI")
    parser.add_argument("--only", help=f"comma-separated subset of {','.join(SECTIONS)}")
    parser.add_argument("--json", metavar="PATH", help="also write every figure to PATH as JSON")
    parser.add_argument("--repeats", type=int, help="timing rounds (default 30, --quick 3)")
    options = parser.parse_args(argv)
    if options.only:
        chosen = {s.strip().upper() for s in options.only.split(",") if s.strip()}
        unknown = chosen - set(SECTIONS)
        if unknown:
            parser.error(f"--only: unknown {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}")
        options.sections = chosen
    else:
        options.sections = set(SECTIONS)
    options.repeats = options.repeats or (3 if options.quick else 30)
    options.sample_seconds = 0.002 if options.quick else 0.02
    options.compile_repeats = 1 if options.quick else 5
    options.memory_repeats = 1 if options.quick else 3
    return options


def _pin_peer_threads():
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass


def _transgrad():
    try:
        import transgrad
        return transgrad
    except Exception as error:
        print(f"import transgrad failed ({describe(error)}): its columns will be n/a", file=sys.stderr)
        return None


def _versions():
    found = {"python": platform.python_version(), "numpy": np.__version__}
    for name in ("transgrad", "torch", "jax", "autograd"):
        try:
            module = __import__(name)
            found[name] = getattr(module, "__version__", None) or _distribution_version(name)
        except Exception:
            found[name] = None
    return found


def _distribution_version(name):
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


def _environment():
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"versions": _versions(), "cpu": cpu, "logical_cpus": os.cpu_count(),
            "threads": {v: os.environ.get(v) for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                                        "MKL_NUM_THREADS", "XLA_FLAGS")}}


def _header(settings):
    environment = _environment()
    versions = ", ".join(f"{k} {v}" for k, v in environment["versions"].items() if v)
    return (f"transgrad benchmarks (issue 7): {environment['cpu']}, one thread; {versions}\n"
            f"{settings['repeats']} interleaved rounds, samples of >= "
            f"{settings['sample_seconds'] * 1e3:g} ms, medians\n")


if __name__ == "__main__":
    sys.exit(main())
