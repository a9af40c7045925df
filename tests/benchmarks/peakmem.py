"""Peak memory of one gradient call (benchmark M1), each measured in a fresh process.

`measure(workload, column)` runs `python -m tests.benchmarks.peakmem W6 torch` from the
repository root and returns what the child printed. The child pins every thread pool to one
thread, makes the inputs, prepares the column (one call: compiling, warming up) and calls it
once more, then resets the kernel's peak-RSS mark (`5` written to `/proc/self/clear_refs`),
reads `VmRSS`, makes ONE gradient call and reads `VmHWM` while the result is still alive.
The peak is `VmHWM - VmRSS`: the memory the call added at its highest point, result included.

The same method for every column, and tracemalloc would see NumPy's buffers but not torch's.
glibc's malloc is given a fixed mmap threshold (`MALLOC_MMAP_THRESHOLD_`), so every large
block (NumPy's and torch's CPU allocator's alike) is mapped and unmapped rather than kept in a
heap after the warm-up call, which would hide part of the next call's peak (the threshold is
low, 16 KiB, so that W4's 64 KiB activations count too). Gradients the warm-up left in the
leaves' `.grad` are dropped before the baseline is read. Linux only: where
the peak mark cannot be reset the child reports the column unavailable rather than guess.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ONE_THREAD = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
}
MMAP_THRESHOLD = str(16 * 1024)
MEMORY_COLUMNS = ("primal", "compiled", "eager", "torch")


def measure(workload_name, column, timeout=600):
    """{"peak_bytes": int, "gradient_sums": [float]} or {"unavailable": reason}."""
    env = dict(os.environ, **ONE_THREAD, MALLOC_MMAP_THRESHOLD_=MMAP_THRESHOLD)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    try:
        done = subprocess.run([sys.executable, "-m", "tests.benchmarks.peakmem", workload_name, column],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"unavailable": f"timed out after {timeout} s"}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"unavailable": f"probe failed ({done.returncode}): {tail}"}
    return json.loads(lines[-1])


def _status_kib(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(f"no {field} in /proc/self/status")


def _reset_peak():
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


def _probe(workload_name, column):
    import gc

    from .columns import Unavailable, prepare
    from .workloads import WORKLOADS

    workload = WORKLOADS[workload_name]
    try:
        if column == "torch":
            import torch
            torch.set_num_threads(1)
        runner = prepare(column, workload)
        runner.call()
        runner.release()
    except Unavailable as reason:
        return {"unavailable": str(reason)}
    gc.collect()
    try:
        _reset_peak()
        before = _status_kib("VmRSS")
    except OSError as error:
        return {"unavailable": f"cannot reset the peak RSS mark: {error}"}
    result = runner.call()
    peak = _status_kib("VmHWM")
    sums = [float(g.sum()) for g in runner.gradients(result)]
    return {"peak_bytes": (peak - before) * 1024, "gradient_sums": sums}


if __name__ == "__main__":
    print(json.dumps(_probe(sys.argv[1], sys.argv[2])))
