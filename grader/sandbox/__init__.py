"""The bubblewrap sandbox: policy, seccomp filter, cgroup limits, runner and machine probe."""
