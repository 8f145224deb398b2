"""A seccomp filter that refuses what a numeric notebook never needs.

bubblewrap takes a compiled classic-BPF program (``--seccomp FD``). The program is small enough
to assemble here without libseccomp: check the architecture, refuse the x32 ABI, and answer
EPERM for each denied system call; everything else is allowed. The denied calls escape or
inspect the sandbox (mount, namespaces, ptrace and its relatives, process_vm_*), reach kernel
code a notebook never uses (io_uring, userfaultfd, NUMA memory policy, legacy calls), load code
into the kernel (modules, bpf, kexec) or change the machine (reboot, clocks, swap, keys, host
name). The list follows Docker's default profile for an unprivileged container.

Three calls are judged by their arguments, as Docker does: ``clone`` with a namespace flag is
refused (threads, fork and subprocess keep working); ``clone3`` answers ENOSYS, since its flags
are in memory the filter cannot read and glibc then falls back to ``clone``; ``socket`` for
AF_VSOCK is refused, since vsock is not confined by the network namespace and reaches the host
of a virtual machine.
"""

from __future__ import annotations

import errno
import os
import platform
import struct
from dataclasses import dataclass

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
    "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "kcmp": 312,
    "process_madvise": 440, "fanotify_init": 300, "quotactl_fd": 443, "open_tree_attr": 467,
    "sethostname": 170, "setdomainname": 171, "vhangup": 153, "mbind": 237,
    "set_mempolicy": 238, "get_mempolicy": 239, "migrate_pages": 256, "move_pages": 279,
    "set_mempolicy_home_node": 450, "uselib": 134, "_sysctl": 156,
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
    "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "kcmp": 272,
    "process_madvise": 440, "fanotify_init": 262, "quotactl_fd": 443, "open_tree_attr": 467,
    "sethostname": 161, "setdomainname": 162, "vhangup": 58, "mbind": 235,
    "get_mempolicy": 236, "set_mempolicy": 237, "migrate_pages": 238, "move_pages": 239,
    "set_mempolicy_home_node": 450,
}


@dataclass(frozen=True)
class Arch:
    """One architecture's audit number, denied calls and the calls judged by their arguments."""

    audit: int
    denied: dict[str, int]
    clone: int
    clone3: int
    socket: int


ARCHES = {"x86_64": Arch(0xC000003E, _X86_64, clone=56, clone3=435, socket=41),
          "aarch64": Arch(0xC00000B7, _AARCH64, clone=220, clone3=435, socket=198)}

# clone's flags are args[0] on both architectures; namespace flags all sit in its low word (at
# offset 16 in seccomp_data, little-endian): NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID,
# NEWNET. CLONE_NEWTIME (0x80) exists only for clone3/unshare: in clone that byte is the exit signal.
CLONE_NAMESPACES = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 \
    | 0x20000000 | 0x40000000
_AF_VSOCK = 40
_ARG0_LOW = 16

# classic BPF opcodes
_LD_W_ABS, _JEQ_K, _JGE_K, _JSET_K, _RET_K = 0x20, 0x15, 0x35, 0x45, 0x06
_ALLOW, _KILL_PROCESS, _ERRNO = 0x7FFF0000, 0x80000000, 0x00050000
_X32_BIT = 0x40000000

# An instruction before assembly: (opcode, label if true, label if false, k); "" is the next one.
_Insn = tuple[int, str, str, int]


def supported() -> bool:
    return platform.machine() in ARCHES


def denied_syscalls() -> list[str]:
    return sorted(ARCHES[platform.machine()].denied) if supported() else []


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
    return assemble(program(ARCHES[platform.machine()]))


def program(arch: Arch) -> list[_Insn | str]:
    """The filter as instructions and labels (a string marks the next instruction's position)."""
    return [
        (_LD_W_ABS, "", "", 4),
        (_JEQ_K, "", "kill", arch.audit),
        (_LD_W_ABS, "", "", 0),
        (_JGE_K, "eperm", "", _X32_BIT),
        *[(_JEQ_K, "eperm", "", nr) for nr in sorted(set(arch.denied.values()))],
        (_JEQ_K, "enosys", "", arch.clone3),
        (_JEQ_K, "clone", "", arch.clone),
        (_JEQ_K, "", "allow", arch.socket),
        (_LD_W_ABS, "", "", _ARG0_LOW),
        (_JEQ_K, "eperm", "allow", _AF_VSOCK),
        "clone", (_LD_W_ABS, "", "", _ARG0_LOW),
        (_JSET_K, "eperm", "", CLONE_NAMESPACES),
        "allow", (_RET_K, "", "", _ALLOW),
        "eperm", (_RET_K, "", "", _ERRNO | errno.EPERM),
        "enosys", (_RET_K, "", "", _ERRNO | errno.ENOSYS),
        "kill", (_RET_K, "", "", _KILL_PROCESS),
    ]


def assemble(items: list[_Insn | str]) -> bytes:
    """Resolve labels to classic BPF's forward jump offsets (target = pc + 1 + offset)."""
    labels: dict[str, int] = {}
    insns: list[_Insn] = []
    for item in items:
        if isinstance(item, str):
            labels[item] = len(insns)
        else:
            insns.append(item)
    return b"".join(struct.pack("=HBBI", code, _offset(labels, pc, jt), _offset(labels, pc, jf), k)
                    for pc, (code, jt, jf, k) in enumerate(insns))


def _offset(labels: dict[str, int], pc: int, label: str) -> int:
    offset = labels[label] - pc - 1 if label else 0
    if not 0 <= offset <= 255:
        raise ValueError(f"jump from {pc} to {label!r} does not fit classic BPF")
    return offset
