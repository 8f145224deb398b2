"""Run a shell command as in a Docker container: Docker's default capabilities only.

Docker grants 14 capabilities and not CAP_SYS_ADMIN, so bubblewrap cannot create its namespaces
(Docker's seccomp profile, not simulated here, would forbid them too). ``capsh --drop`` empties
the bounding set of the others; a root shell started under it has exactly Docker's set.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

DOCKER_CAPS = {"cap_chown", "cap_dac_override", "cap_fsetid", "cap_fowner", "cap_mknod", "cap_net_raw",
               "cap_setgid", "cap_setuid", "cap_setfcap", "cap_setpcap", "cap_net_bind_service",
               "cap_sys_chroot", "cap_kill", "cap_audit_write"}
DOCKER_CAP_EFF = "00000000a80425fb"  # CapEff of a root process in a default Docker container


def docker_argv(command: str) -> list[str]:
    if os.geteuid() != 0 or shutil.which("capsh") is None:
        pytest.skip("needs root and capsh (Debian: libcap2-bin)")
    printed = subprocess.run(["capsh", "--print"], capture_output=True, text=True, check=True).stdout
    bounding = next(line for line in printed.splitlines() if line.startswith("Bounding set ="))
    drop = [cap for cap in bounding.split("=", 1)[1].split(",") if cap not in DOCKER_CAPS]
    return ["capsh", f"--drop={','.join(drop)}", "--", "-c", command]


def in_docker(command: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(docker_argv(command), capture_output=True, text=True, timeout=300,
                          check=False, **kwargs)  # type: ignore[call-overload]
