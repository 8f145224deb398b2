"""A seccomp filter that refuses what a numeric notebook never needs.

bubblewrap takes a compiled classic-BPF program (``--seccomp FD``). The program is small enough
to assemble here without libseccomp: check the architecture, refuse the x32 ABI, and answer
EPERM for each denied system call; everything else is allowed. The denied calls escape or
inspect the sandbox (mount, namespaces, ptrace, process_vm_*), load code into the kernel
(modules, bpf, kexec) or change the machine (reboot, clocks, swap, keys).
"""

from __future__ import annotations

import errno
import os
import platform
import struct

# Numbers per architecture, from the kernel's syscall tables (unistd_64.h / asm-generic).
_X86_64 = {
    "ptrace": 101, "syslog": 103, "personality": 135, "adjtimex": 159, "chroot": 161,
    "acct": 163, "settimeofday": 164, "mount": 165, "umount2": 166, "swapon": 167,
    "swapoff": 168, "reboot": 169, "iopl": 172, "ioperm": 173, "init_module": 175,
    "delete_module": 176, "quotactl": 179, "lookup_dcookie": 212, "clock_settime": 227,
    "kexec_load": 246, "add_key": 248, "request_key": 249, "keyctl": 250, "unshare": 272,
    "perf_event_open": 298, "name_to_handle_at": 303, "open_by_handle_at": 304, "setns": 308,
    "process_vm_readv": 310, "process_vm_writev": 311, "finit_module": 313,
    "kexec_file_load": 320, "bpf": 321, "userfaultfd": 323, "open_tree": 428,
    "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
    "pidfd_getfd": 438, "mount_setattr": 442, "pivot_root": 155,
}
_AARCH64 = {
    "ptrace": 117, "syslog": 116, "personality": 92, "adjtimex": 171, "chroot": 51,
    "acct": 89, "settimeofday": 170, "mount": 40, "umount2": 39, "swapon": 224,
    "swapoff": 225, "reboot": 142, "init_module": 105, "delete_module": 106, "quotactl": 60,
    "lookup_dcookie": 18, "clock_settime": 112, "kexec_load": 104, "add_key": 217,
    "request_key": 218, "keyctl": 219, "unshare": 97, "perf_event_open": 241,
    "name_to_handle_at": 264, "open_by_handle_at": 265, "setns": 268, "process_vm_readv": 270,
    "process_vm_writev": 271, "finit_module": 273, "kexec_file_load": 294, "bpf": 280,
    "userfaultfd": 282, "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431,
    "fsmount": 432, "fspick": 433, "pidfd_getfd": 438, "mount_setattr": 442, "pivot_root": 41,
}
_ARCHES = {"x86_64": (0xC000003E, _X86_64), "aarch64": (0xC00000B7, _AARCH64)}

# classic BPF opcodes
_LD_W_ABS, _JEQ_K, _JGE_K, _RET_K = 0x20, 0x15, 0x35, 0x06
_ALLOW, _KILL_PROCESS, _ERRNO = 0x7FFF0000, 0x80000000, 0x00050000
_X32_BIT = 0x40000000


def supported() -> bool:
    return platform.machine() in _ARCHES


def denied_syscalls() -> list[str]:
    return sorted(_ARCHES[platform.machine()][1]) if supported() else []


def _insn(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def filter_fd() -> int:
    """A pipe's read end holding the program, for ``bwrap --seccomp FD`` (it reads to the end)."""
    read_end, write_end = os.pipe()
    os.write(write_end, deny_filter())
    os.close(write_end)
    return read_end


def deny_filter() -> bytes:
    """The BPF program for this machine's architecture (raises on an unsupported one)."""
    if not supported():
        raise RuntimeError(f"no seccomp syscall table for {platform.machine()}")
    audit_arch, table = _ARCHES[platform.machine()]
    numbers = sorted(set(table.values()))
    # Layout: 0 load arch, 1 check arch, 2 kill, 3 load nr, 4 x32 check,
    # 5 .. 4+n one test per denied call, 5+n allow, 6+n deny. A jump goes to pc + 1 + offset.
    deny = 6 + len(numbers)
    prog = [
        _insn(_LD_W_ABS, 0, 0, 4),
        _insn(_JEQ_K, 1, 0, audit_arch),
        _insn(_RET_K, 0, 0, _KILL_PROCESS),
        _insn(_LD_W_ABS, 0, 0, 0),
        _insn(_JGE_K, deny - 5, 0, _X32_BIT),
    ]
    prog += [_insn(_JEQ_K, deny - (5 + i) - 1, 0, nr) for i, nr in enumerate(numbers)]
    prog += [_insn(_RET_K, 0, 0, _ALLOW), _insn(_RET_K, 0, 0, _ERRNO | errno.EPERM)]
    return b"".join(prog)
