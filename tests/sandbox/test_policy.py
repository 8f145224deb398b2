"""The policy -> argv translation, the BPF program and the runner choice, without running bwrap."""

import pytest

from grader.sandbox import seccomp
from grader.sandbox.bwrap import BwrapRunner
from grader.sandbox.doctor import Diagnosis, Probe, SandboxUnavailable, choose_runner
from grader.sandbox.policy import Mount, SandboxPolicy, bwrap_argv
from grader.sandbox.process import ProcessRunner
from grader.sheet.spec import Limits


def policy(**kw):
    base = {"mounts": [Mount(source="/opt/py", dest="/root/.pyenv/py"),
                       Mount(source="/x/out", dest="/sandbox/out", writable=True)],
            "env": {"HOME": "/sandbox/work"}, "tmpfs_mib": 8, "drop_privileges": True}
    return SandboxPolicy(**{**base, **kw})


def test_namespaces_and_privilege_drop():
    argv = bwrap_argv(policy(), ["python"])
    for flag in ("--unshare-net", "--unshare-pid", "--unshare-ipc", "--die-with-parent",
                 "--new-session", "--clearenv"):
        assert flag in argv
    assert "--unshare-user" not in argv  # as root, uid 65534 would be unmapped there
    tail = argv[argv.index("--") + 1:]
    assert tail[0] == "/usr/bin/setpriv" and "--bounding-set=-all" in tail and tail[-1] == "python"


def test_without_root_the_user_namespace_maps_nobody():
    argv = bwrap_argv(policy(drop_privileges=False), ["python"])
    assert argv[argv.index("--unshare-user"):][:5] == ["--unshare-user", "--uid", "65534", "--gid", "65534"]
    assert "/usr/bin/setpriv" not in argv


def test_parents_are_made_0755_and_only_declared_mounts_are_writable():
    argv = bwrap_argv(policy(), ["python"])
    i = argv.index("/root")
    assert argv[i - 3:i + 1] == ["--perms", "0755", "--dir", "/root"]
    binds = [argv[i + 1] for i, a in enumerate(argv) if a == "--bind"]
    assert binds == ["/x/out"]


def test_tmpfs_sizes():
    argv = bwrap_argv(policy(), ["python"])
    assert argv.count("--size") == 2 and str(8 * 2**20) in argv


def _diagnosis(bwrap_ok):
    return Diagnosis(level="full" if bwrap_ok else "none", probes=[
        Probe(name="bubblewrap", ok=bwrap_ok, detail="ok" if bwrap_ok else "bwrap not found"),
        Probe(name="cgroup limits", ok=bwrap_ok, detail=""),
        Probe(name="seccomp filter", ok=bwrap_ok, detail="")])


def test_no_sandbox_means_refusal_unless_asked_for_by_name():
    with pytest.raises(SandboxUnavailable, match=r"bwrap not found.*--unsafe-no-sandbox"):
        choose_runner(Limits(), diagnosis=_diagnosis(False))
    assert isinstance(choose_runner(Limits(), allow_unsandboxed=True, diagnosis=_diagnosis(False)),
                      ProcessRunner)
    assert isinstance(choose_runner(Limits(), diagnosis=_diagnosis(True)), BwrapRunner)


def test_private_tmp_comes_before_binds_so_a_venv_under_tmp_stays_visible():
    argv = bwrap_argv(policy(mounts=[Mount(source="/tmp/ci/.venv", dest="/tmp/ci/.venv")]), ["python"])
    assert argv.index("/tmp") < argv.index("/tmp/ci/.venv")


def test_sweep_removes_only_old_empty_groups():
    import os
    import time

    from grader.sandbox import cgroup

    if not cgroup.available()[0]:
        pytest.skip("no cgroups here")
    old = cgroup.Cgroup.create(64 * 2**20, 16)
    young = cgroup.Cgroup.create(64 * 2**20, 16)
    for d in old.dirs:
        os.utime(d, (time.time() - 120, time.time() - 120))
    cgroup.sweep_stale(old.kind)
    assert not any(d.exists() for d in old.dirs) and all(d.exists() for d in young.dirs)
    young.remove()


def test_without_bwrap_the_diagnosis_is_none_and_says_what_to_install(monkeypatch):
    from grader.sandbox import doctor

    monkeypatch.setattr(doctor.shutil, "which", lambda name: None)
    d = doctor.diagnose()
    details = {p.name: (p.ok, p.detail) for p in d.probes}
    assert d.level == "none" and details["bubblewrap"] == (False, "bwrap not found (Debian: apt-get install "
                                                                  "bubblewrap)")
    assert details["seccomp filter"] == (False, "not tried: bubblewrap does not work")


@pytest.mark.sandbox
def test_the_two_probes_run_together_and_both_count():
    from grader.sandbox.doctor import diagnose

    d = diagnose()
    assert [p.name for p in d.probes] == ["bubblewrap", "cgroup limits", "seccomp filter"]
    if d.probes[0].ok and seccomp.supported():  # the filtered sandbox really refused unshare()
        assert d.probes[2].ok and d.probes[2].detail.startswith("denies "), d.probes[2].detail
