"""Run many small Python programs, each as if it were a fresh `python -u` process, cheaply.

Used by the acceptance tests (tests/eager/test_snippets.py, tests/test_examples.py) to run
spec snippets and example programs under transgrad and under PyTorch. Standard library only;
it never imports the code under test except through `--library`.

Protocol: `python runner.py` reads one JSON object from stdin,

    {"library": "torch" | "transgrad" | null, "timeout": seconds,
     "jobs": [{"name": str, "source": str, "filename": str, "merge_stderr": bool}, ...]}

and prints one JSON list to stdout: `{"name", "stdout", "stderr", "status"}` per job, where
`status` is "ok", "error" (an uncaught exception: its traceback is in the output), "exit N"
(`sys.exit(N)`, N != 0), "timeout" or "crash N" (killed by signal or died). With
`merge_stderr` the job's stderr is written into `stdout`, in order, as `2>&1` would.

Why a fork server: importing PyTorch takes seconds, so a process per snippet would make the
suite slow. The runner imports `library` once and then forks one child per job; a child starts
from the state right after the import, which is the state a fresh process has when the
snippet's own `import` line runs (nothing else has run yet). Where `os.fork` is missing, each
job runs in its own `python -u` process instead.
"""
import builtins
import importlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback


def _run_in_child(job, out_path, err_path):
    """Body of a forked child: redirect fds 1 and 2, run the job as `__main__`, never return."""
    status = 0
    try:
        out_fd = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        err_fd = out_fd if job["merge_stderr"] else os.open(
            err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        # One unbuffered-per-line stream per fd, like `python -u`; merged jobs share one object
        # so that stdout and stderr interleave in the order they were written.
        sys.stdout = open(1, "w", encoding="utf-8", buffering=1, closefd=False)
        sys.stderr = sys.stdout if job["merge_stderr"] else open(
            2, "w", encoding="utf-8", buffering=1, closefd=False)
        sys.stdin = open(os.devnull)
        filename = job["filename"]
        sys.argv = [filename]
        if os.path.isfile(filename):
            sys.path[0] = os.path.dirname(os.path.abspath(filename))
        code = compile(job["source"], filename, "exec")
        namespace = {"__name__": "__main__", "__file__": filename, "__builtins__": builtins}
        try:
            exec(code, namespace)
        except SystemExit as stop:
            status = 0 if stop.code in (None, 0) else 3
            if isinstance(stop.code, str):
                print(stop.code, file=sys.stderr)
        except BaseException:  # the job's own failure: report it like the interpreter would
            traceback.print_exc()
            status = 2
    except BaseException:
        status = 4
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(status)


def _wait(pid, deadline):
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return None
        time.sleep(0.002)


def _status_text(status):
    if status is None:
        return "timeout"
    if os.WIFSIGNALED(status):
        return f"crash {os.WTERMSIG(status)}"
    code = os.WEXITSTATUS(status)
    return {0: "ok", 2: "error", 3: "exit"}.get(code, f"crash {code}")


def _read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def run_forked(job, timeout, workdir):
    out_path = os.path.join(workdir, "out")
    err_path = os.path.join(workdir, "err")
    for path in (out_path, err_path):
        if os.path.exists(path):
            os.remove(path)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        _run_in_child(job, out_path, err_path)
    status = _wait(pid, time.monotonic() + timeout)
    return {"name": job["name"], "stdout": _read(out_path),
            "stderr": "" if job["merge_stderr"] else _read(err_path),
            "status": _status_text(status)}


def run_spawned(job, timeout, workdir):
    """Fallback without fork: one `python -u` process per job."""
    path = job["filename"] if os.path.isfile(job["filename"]) else os.path.join(workdir, "job.py")
    if path != job["filename"]:
        with open(path, "w", encoding="utf-8") as f:
            f.write(job["source"])
    try:
        proc = subprocess.run(
            [sys.executable, "-u", path], stdout=subprocess.PIPE, timeout=timeout,
            stderr=subprocess.STDOUT if job["merge_stderr"] else subprocess.PIPE,
            encoding="utf-8", errors="replace")
    except subprocess.TimeoutExpired:
        return {"name": job["name"], "stdout": "", "stderr": "", "status": "timeout"}
    status = "ok" if proc.returncode == 0 else ("error" if proc.returncode == 1 else
                                                  f"exit {proc.returncode}")
    return {"name": job["name"], "stdout": proc.stdout or "", "stderr": proc.stderr or "",
            "status": status}


def main():
    request = json.load(sys.stdin)
    library = request.get("library")
    if library:
        try:  # warm the import; a broken library shows up in each job's own output instead
            importlib.import_module(library)
            if library == "transgrad":
                importlib.import_module("transgrad.nn.functional")
        except BaseException:
            pass
    run = run_forked if hasattr(os, "fork") else run_spawned
    results = []
    with tempfile.TemporaryDirectory(prefix="tg-runner-") as workdir:
        for job in request["jobs"]:
            results.append(run(job, request.get("timeout", 60), workdir))
    sys.stdout.write(json.dumps(results))


if __name__ == "__main__":
    main()
