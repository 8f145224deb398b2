"""The result channel alone: frames, caps, lies, deadlines (no sandbox, no subprocess)."""

import os
import time

import pytest

from grader.sandbox.channel import (
    MAX_JSON_DEPTH,
    ChannelClosed,
    ChannelError,
    ChannelTimeout,
    ResultChannel,
    parse_json,
)


def channel_with(data: bytes, *, close: bool = True, max_frame: int = 1024) -> ResultChannel:
    channel = ResultChannel(max_frame=max_frame)
    os.write(channel.write_fd, data)
    if close:
        channel.spawned()
    return channel


def soon() -> float:
    return time.monotonic() + 2


def test_two_frames_in_one_write():
    channel = channel_with(b'2\n{}5\n[1,2]')
    assert channel.read_frame(soon()) == b"{}" and channel.read_frame(soon()) == b"[1,2]"
    with pytest.raises(ChannelClosed):
        channel.read_frame(soon())


@pytest.mark.parametrize("data", [b"nonsense" * 4, b"-5\n", b"1e3\n" + b"x" * 1000, b"12345678901234567890"])
def test_anything_but_a_length_header_is_refused(data):
    with pytest.raises(ChannelError, match="result channel"):
        channel_with(data).read_frame(soon())


def test_a_frame_over_the_cap_is_refused_before_it_is_read():
    with pytest.raises(ChannelError, match="larger than"):
        channel_with(b"99999999\n").read_frame(soon())


def test_a_run_that_ends_mid_frame():
    with pytest.raises(ChannelClosed, match="ended without writing results"):
        channel_with(b"10\n{}").read_frame(soon())


def test_a_run_that_holds_the_channel_open_meets_the_deadline():
    channel = channel_with(b"10\n{", close=False)
    started = time.monotonic()
    with pytest.raises(ChannelTimeout):
        channel.read_frame(time.monotonic() + 0.3)
    assert time.monotonic() - started < 2
    channel.close()


def test_nesting_is_bounded_without_recursion():
    with pytest.raises(ChannelError, match="nested too deeply"):
        parse_json(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(ChannelError, match=f"deeper than {MAX_JSON_DEPTH}"):
        parse_json(b"[" * (MAX_JSON_DEPTH + 5) + b"]" * (MAX_JSON_DEPTH + 5))
    assert parse_json(b'{"a": [[1, {"b": 2}]]}') == {"a": [[1, {"b": 2}]]}


@pytest.mark.parametrize("payload", [b"{", b"\xff\xfe", b"NaN-ish"])
def test_unreadable_json_is_the_runs_error(payload):
    with pytest.raises(ChannelError, match="unreadable results"):
        parse_json(payload)
