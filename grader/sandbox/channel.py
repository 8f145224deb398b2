"""The result channel: what a run leaves behind comes back as length-prefixed JSON frames on a pipe.

A pipe, not a file in a folder the submission can write: nothing it leaves there (a FIFO where
the result goes, a directory, a symlink, a 3,000-level tree, 100,000 files, 1.5 GiB) can stall
the grader or fill the host's disk, and every byte is counted against a cap before anything is
parsed. A frame is an ASCII decimal length, a newline, then that many bytes of JSON. The first
frame is the run's result; when the job holds hidden probes, the second is their outcomes.
"""

from __future__ import annotations

import json
import os
import select
import time
from typing import Any

MAX_FRAME_BYTES = 8 * 2**20
MAX_JSON_DEPTH = 64  # the wire format nests at most 32 levels inside a small envelope
_HEADER_BYTES = 12
_NOT_A_FRAME = "the run wrote something other than the grader's result on its result channel"


class ChannelError(Exception):
    """The run did not send a readable frame; the message is written for the student."""


class ChannelTimeout(ChannelError):
    """The deadline passed before a whole frame arrived."""


class ChannelClosed(ChannelError):
    """The run closed the channel (it ended) before a whole frame arrived."""


class ResultChannel:
    """The grader's reading end of a pipe whose writing end the driver inherits."""

    def __init__(self, max_frame: int = MAX_FRAME_BYTES) -> None:
        self.read_fd, self.write_fd = os.pipe()
        os.set_blocking(self.read_fd, False)
        self.max_frame, self.buffer = max_frame, bytearray()

    def spawned(self) -> None:
        """The driver holds its copy of the writing end now: close ours, so its end means EOF."""
        if self.write_fd >= 0:
            os.close(self.write_fd)
            self.write_fd = -1

    def close(self) -> None:
        self.spawned()
        if self.read_fd >= 0:
            os.close(self.read_fd)
            self.read_fd = -1

    def read_frame(self, deadline: float) -> bytes:
        """One frame's payload; ChannelError if the run ends or lies first, ChannelTimeout at the deadline."""
        while b"\n" not in self.buffer[:_HEADER_BYTES]:
            if len(self.buffer) >= _HEADER_BYTES:
                raise ChannelError(_NOT_A_FRAME)
            self._fill(deadline)
        header, _, rest = bytes(self.buffer).partition(b"\n")
        if not header.isdigit():
            raise ChannelError(_NOT_A_FRAME)
        size = int(header)
        if size > self.max_frame:
            raise ChannelError(f"the results are larger than {self.max_frame // 2**20} MiB")
        self.buffer = bytearray(rest)
        while len(self.buffer) < size:
            self._fill(deadline)
        payload, self.buffer = bytes(self.buffer[:size]), self.buffer[size:]
        return payload

    def _fill(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([self.read_fd], [], [], remaining)[0]:
            raise ChannelTimeout("the run did not send its results in time")
        chunk = os.read(self.read_fd, 1 << 16)
        if not chunk:
            raise ChannelClosed("the run ended without writing results")
        self.buffer.extend(chunk)


def parse_json(payload: bytes) -> Any:
    """JSON with its nesting bounded, or ChannelError: a hostile payload is the student's error."""
    try:
        data = json.loads(payload)
    except RecursionError:
        raise ChannelError("unreadable results: nested too deeply") from None
    except ValueError as exc:  # UnicodeDecodeError included
        raise ChannelError(f"unreadable results: {str(exc)[:300]}") from None
    if _depth(data) > MAX_JSON_DEPTH:
        raise ChannelError(f"unreadable results: nested deeper than {MAX_JSON_DEPTH} levels")
    return data


def _depth(data: Any) -> int:
    """Iteratively, so a deep value cannot exhaust the grader's own stack."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_JSON_DEPTH:
            break
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        stack.extend((child, level + 1) for child in children if isinstance(child, (dict, list)))
    return deepest
