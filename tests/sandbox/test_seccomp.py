"""The seccomp filter: its program is well formed, and inside the real bubblewrap sandbox it
refuses namespaces by clone, clone3, io_uring, userfaultfd and vsock while threads, fork,
subprocess and numpy keep working. The same probes run once without the filter, to show that
the filter, not the host, is what refuses them."""

from __future__ import annotations

import os
import platform
import struct

import pytest

from grader.harness import wire
from grader.sandbox import seccomp
from grader.sandbox.bwrap import BwrapRunner, Features
from grader.sandbox.doctor import diagnose
from grader.sandbox.job import Job
from grader.sheet.spec import Limits

NAMESPACE_FLAGS = {"NEWNS": 0x00020000, "NEWCGROUP": 0x02000000, "NEWUTS": 0x04000000,
                   "NEWIPC": 0x08000000, "NEWUSER": 0x10000000, "NEWPID": 0x20000000,
                   "NEWNET": 0x40000000}

# Each cell sets one answer to 'ok' or the errno name it got; a child that a call did create
# leaves at once, so only the parent runs on.
PROBES = {
    "clone_namespaces": """
def clone(flags):
    pid = libc.syscall({clone}, flags | signal.SIGCHLD, 0, 0, 0, 0)
    if pid == 0:
        os._exit(0)
    if pid > 0:
        os.waitpid(pid, 0)
        return 'ok'
    return errno.errorcode[ctypes.get_errno()]
clone_namespaces = {{name: clone(flag) for name, flag in {flags!r}.items()}}
clone_in_user_ns = {{name: clone(0x10000000 | flag) for name, flag in {flags!r}.items()}}""",
    "clone3": """
args = ctypes.create_string_buffer(struct.pack('=11Q', 0, 0, 0, 0, signal.SIGCHLD, 0, 0, 0, 0, 0, 0))
pid = libc.syscall({clone3}, args, ctypes.c_size_t(88))
if pid == 0:
    os._exit(0)
clone3 = 'ok' if pid > 0 else errno.errorcode[ctypes.get_errno()]""",
    "io_uring_setup": """
params = ctypes.create_string_buffer(120)
fd = libc.syscall({io_uring_setup}, 4, params)
io_uring_setup = 'ok' if fd >= 0 else errno.errorcode[ctypes.get_errno()]""",
    # UFFD_USER_MODE_ONLY: allowed to unprivileged users by the kernel itself
    "userfaultfd": """
fd = libc.syscall({userfaultfd}, os.O_CLOEXEC | 1)
userfaultfd = 'ok' if fd >= 0 else errno.errorcode[ctypes.get_errno()]""",
    "vsock": """
try:
    socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM).close()
    vsock = 'ok'
except OSError as exc:
    vsock = errno.errorcode[exc.errno]""",
}
CONTROLS = {
    "threads": """
results = []
workers = [threading.Thread(target=lambda i=i: results.append(i * i)) for i in range(8)]
[w.start() for w in workers]
[w.join() for w in workers]
threads = 'ok' if sorted(results) == [i * i for i in range(8)] else repr(results)""",
    "fork": """
pid = os.fork()
if pid == 0:
    os._exit(7)
fork = 'ok' if os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 7 else 'wrong exit'""",
    "subprocess_true": "subprocess_true = subprocess.run(['true']).returncode",
    "numpy_matmul": """
import numpy as np
a = np.arange(40000, dtype=float).reshape(200, 200) / 40000
numpy_matmul = 'ok' if np.allclose(a @ np.eye(200) @ a, a @ a) else 'wrong'""",
    "unix_socket": """
socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).close()
unix_socket = 'ok'""",
}
HEADER = "import ctypes, errno, os, signal, socket, struct, subprocess, threading\n" \
         "libc = ctypes.CDLL(None, use_errno=True)\nlibc.syscall.restype = ctypes.c_long\n"
NUMBERS = {"x86_64": {"clone": 56, "clone3": 435, "io_uring_setup": 425, "userfaultfd": 323},
           "aarch64": {"clone": 220, "clone3": 435, "io_uring_setup": 425, "userfaultfd": 282}}


def _script() -> str:
    cells = [HEADER, *PROBES.values(), *CONTROLS.values()]
    return "\n# %%\n".join(cells).format(flags=NAMESPACE_FLAGS, **NUMBERS[platform.machine()])


def _run(tmp_path, features: Features) -> dict:
    (tmp_path / "probe.py").write_text(_script())
    limits = Limits(cell_timeout_s=30, total_timeout_s=120, memory_mib=1024, max_processes=64)
    names = [*PROBES, "clone_in_user_ns", *CONTROLS]
    job = Job(source=str(tmp_path / "probe.py"), kind="script", workdir=str(tmp_path), answers=names,
              probe_timeout_s=5, cell_timeout_s=30, total_timeout_s=120, max_output_chars=2000,
              max_cells=50)
    result = BwrapRunner(limits, features).run(job)
    assert result.status == "completed" and not result.cell_errors, result
    return {k: wire.decode(v) for k, v in result.answers.items()}


@pytest.fixture(scope="module")
def sandbox_features() -> Features:
    if not seccomp.supported():
        pytest.skip(f"no seccomp table for {platform.machine()}")
    d = diagnose()
    if d.level != "full":
        (pytest.fail if os.environ.get("CI") else pytest.skip)(
            "the sandbox is not fully available here (cgroups need root): run `grader doctor`")
    return d.features


@pytest.fixture(scope="module")
def filtered(sandbox_features, tmp_path_factory) -> dict:
    return _run(tmp_path_factory.mktemp("filtered"), sandbox_features)


@pytest.mark.sandbox
@pytest.mark.runs_code
def test_clone_with_any_namespace_flag_is_refused(filtered):
    refused = {name: "EPERM" for name in NAMESPACE_FLAGS}
    assert filtered["clone_namespaces"] == refused and filtered["clone_in_user_ns"] == refused


@pytest.mark.sandbox
@pytest.mark.runs_code
def test_clone3_answers_enosys_so_glibc_falls_back_to_clone(filtered):
    assert filtered["clone3"] == "ENOSYS"


@pytest.mark.sandbox
@pytest.mark.runs_code
@pytest.mark.parametrize("name", ["io_uring_setup", "userfaultfd", "vsock"])
def test_kernel_surfaces_a_notebook_never_needs_are_refused(filtered, name):
    assert filtered[name] == "EPERM"


@pytest.mark.sandbox
@pytest.mark.runs_code
def test_threads_fork_subprocess_numpy_and_sockets_still_work(filtered):
    assert [filtered[n] for n in ("threads", "fork", "numpy_matmul", "unix_socket")] == ["ok"] * 4
    assert filtered["subprocess_true"] == 0


@pytest.mark.sandbox
@pytest.mark.runs_code
def test_without_the_filter_the_same_probes_succeed(sandbox_features, tmp_path):
    """The probes are real: on this host it is the filter that refuses them."""
    bare = _run(tmp_path, Features(cgroup=sandbox_features.cgroup, seccomp=False))
    # A namespace other than the user one needs CAP_SYS_ADMIN: only inside a new user namespace.
    host_refuses = {n: bare[n] for n in ("clone3", "io_uring_setup", "userfaultfd") if bare[n] != "ok"}
    if bare["clone_in_user_ns"]["NEWUSER"] != "ok":
        host_refuses["clone_in_user_ns"] = bare["clone_in_user_ns"]
    if host_refuses:
        pytest.skip(f"this host refuses these by itself: {host_refuses}")
    assert bare["clone_in_user_ns"] == {name: "ok" for name in NAMESPACE_FLAGS}


@pytest.mark.parametrize("machine", sorted(seccomp.ARCHES))
def test_every_jump_lands_inside_the_program_on_a_return(machine):
    prog = seccomp.assemble(seccomp.program(seccomp.ARCHES[machine]))
    insns = [struct.unpack("=HBBI", prog[i:i + 8]) for i in range(0, len(prog), 8)]
    returns = {pc for pc, (code, *_) in enumerate(insns) if code == 0x06}
    assert insns[-1][0] == 0x06 and len(insns) < 4096
    for pc, (code, jt, jf, _) in enumerate(insns):
        if code & 0x07 == 0x05:  # BPF_JMP
            assert pc + 1 + jt < len(insns) and pc + 1 + jf < len(insns)
    # every denied number jumps straight to the EPERM return
    eperm = next(pc for pc in returns if insns[pc][3] == 0x00050000 | 1)
    denied = set(seccomp.ARCHES[machine].denied.values())
    targets = {k: pc + 1 + jt for pc, (code, jt, _, k) in enumerate(insns) if code == 0x15 and k in denied}
    assert set(targets) == denied and set(targets.values()) == {eperm}


def test_both_tables_deny_the_same_calls_apart_from_x86_only_ones():
    x86, arm = (set(seccomp.ARCHES[m].denied) for m in ("x86_64", "aarch64"))
    assert {"unshare", "setns", "io_uring_setup", "io_uring_enter", "io_uring_register",
            "userfaultfd", "ptrace", "mount"} <= arm
    assert x86 ^ arm == {"iopl", "ioperm", "uselib", "_sysctl"} and arm < x86


def test_the_namespace_mask_is_every_namespace_flag_and_not_the_exit_signal():
    assert sum(NAMESPACE_FLAGS.values()) == seccomp.CLONE_NAMESPACES  # distinct bits, so sum == or
    assert seccomp.CLONE_NAMESPACES & 0xFF == 0


def test_a_jump_too_far_for_classic_bpf_is_an_error():
    with pytest.raises(ValueError, match="does not fit"):
        seccomp.assemble([(0x15, "far", "", 1), *[(0x06, "", "", 0)] * 300, "far", (0x06, "", "", 0)])


@pytest.mark.skipif(not seccomp.supported(), reason="no syscall table for this architecture")
def test_this_machine_gets_its_own_table():
    arch = seccomp.ARCHES[platform.machine()]
    assert seccomp.deny_filter() == seccomp.assemble(seccomp.program(arch))
    assert seccomp.denied_syscalls() == sorted(arch.denied)
