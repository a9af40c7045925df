"""Issue 7's benchmarks: workloads, the columns that run them, gradient checks. See docs/benchmarks.md."""
