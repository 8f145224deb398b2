"""The ProcessRunner and the harness driver, end to end on small scripts and notebooks."""

import time

import nbformat
import pytest

from grader.harness import wire
from grader.sandbox.job import Job, ProbeCall
from grader.sandbox.process import ProcessRunner

pytestmark = pytest.mark.runs_code


def job(tmp_path, name, *, answers=(), probes=None, cell_timeout=20.0, total=60.0, max_cells=100):
    return Job(source=str(tmp_path / name), kind="notebook" if name.endswith(".ipynb") else "script",
               workdir=str(tmp_path), answers=list(answers),
               probes={f: [ProbeCall(args=a) for a in calls] for f, calls in (probes or {}).items()},
               probe_timeout_s=2,
               cell_timeout_s=cell_timeout, total_timeout_s=total, max_output_chars=2000,
               max_cells=max_cells)


def notebook(tmp_path, *cells, name="nb.ipynb"):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nbformat.write(nb, tmp_path / name)
    return name


def script(tmp_path, text, name="s.py"):
    (tmp_path / name).write_text(text)
    return name


def answers(result):
    return {k: wire.decode(v) for k, v in result.answers.items()}


def test_script_cells_keep_running_after_errors_and_exits(tmp_path):
    name = script(tmp_path, "a = 1\n# %%\n1/0\n# %%\nimport sys; sys.exit(2)\n# %%\nb = a + 1\nprint('hi')\n")
    result = ProcessRunner().run(job(tmp_path, name, answers=["a", "b", "missing"]))
    assert result.status == "completed" and result.n_cells == 4
    assert [(e.index, e.ename) for e in result.cell_errors] == [(1, "ZeroDivisionError"), (2, "SystemExit")]
    assert "line 3" in result.cell_errors[0].traceback  # line numbers of the student's file
    assert answers(result) == {"a": 1, "b": 2} and result.stdout == "hi\n"


def test_notebook_cells_keep_running_after_a_syntax_error(tmp_path):
    name = notebook(tmp_path, "a = 1", "def f(:\n  pass", "b = a + 1")
    result = ProcessRunner().run(job(tmp_path, name, answers=["a", "b"]))
    assert result.status == "completed"
    assert [(e.index, e.ename) for e in result.cell_errors] == [(1, "SyntaxError")]
    assert answers(result) == {"a": 1, "b": 2}


def test_probes_call_the_students_function_with_fresh_arrays(tmp_path):
    name = script(tmp_path, "import numpy as np\ndef f(x, k):\n    x *= k\n    return x\n"
                            "def g(x):\n    raise ValueError('nope')\n")
    arr = wire.encode(__import__("numpy").array([1.0, 2.0]))
    result = ProcessRunner().run(job(tmp_path, name, probes={"f": [[arr, 3], [arr, 2]], "g": [[1]]}))
    outs = [wire.decode(o.output).tolist() for o in result.probes["f"]]
    assert outs == [[3.0, 6.0], [2.0, 4.0]]  # the first call's in-place change did not leak
    assert result.probes["g"][0].error == "ValueError: nope"


def test_a_cell_timeout_interrupts_one_cell_only(tmp_path):
    name = notebook(tmp_path, "import time\ntime.sleep(60)", "after = True")
    result = ProcessRunner().run(job(tmp_path, name, answers=["after"], cell_timeout=2))
    assert [(e.index, e.kind) for e in result.cell_errors] == [(0, "timeout")]
    assert answers(result) == {"after": True}


def test_script_cell_timeout(tmp_path):
    name = script(tmp_path, "while True:\n    pass\n# %%\nafter = 1\n")
    result = ProcessRunner().run(job(tmp_path, name, answers=["after"], cell_timeout=1))
    assert result.cell_errors[0].kind == "timeout" and answers(result) == {"after": 1}


def test_probe_timeout(tmp_path):
    name = script(tmp_path, "def f():\n    while True:\n        pass\n")
    result = ProcessRunner().run(job(tmp_path, name, probes={"f": [[]]}))
    assert result.probes["f"][0].error == "timed out after 2 s"


def test_total_timeout_kills_the_run(tmp_path):
    name = script(tmp_path, "import signal, time\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
                            "while True:\n    try:\n        time.sleep(100)\n    except BaseException:\n"
                            "        pass\n")
    result = ProcessRunner().run(job(tmp_path, name, cell_timeout=100, total=3))
    assert result.status == "timeout" and "longer than 3 s" in result.message


def test_os_exit_is_a_crash_with_a_reason(tmp_path):
    name = script(tmp_path, "import os\nos._exit(0)\n")
    result = ProcessRunner().run(job(tmp_path, name))
    assert result.status == "crashed" and "exit code 0" in result.message


def test_killing_its_own_kernel(tmp_path):
    name = notebook(tmp_path, "a = 1", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", "b = 2")
    result = ProcessRunner().run(job(tmp_path, name, answers=["a", "b"]))
    assert result.status == "kernel_died" and result.answers == {}


@pytest.mark.parametrize(("content", "why"), [
    (b"{not json", "not a readable Jupyter notebook"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
])
def test_unreadable_notebooks(tmp_path, content, why):
    (tmp_path / "nb.ipynb").write_bytes(content)
    result = ProcessRunner().run(job(tmp_path, "nb.ipynb"))
    assert result.status == "invalid_submission" and why in result.message


def test_too_many_cells(tmp_path):
    name = notebook(tmp_path, *["x = 1"] * 30)
    result = ProcessRunner().run(job(tmp_path, name, max_cells=10))
    assert result.status == "invalid_submission" and "30 code cells" in result.message


def test_script_not_utf8_or_not_python(tmp_path):
    (tmp_path / "s.py").write_bytes(b"x = '\xff'\n")
    assert "not UTF-8" in ProcessRunner().run(job(tmp_path, "s.py")).message
    name = script(tmp_path, "def f(:\n", name="t.py")
    result = ProcessRunner().run(job(tmp_path, name))
    assert result.status == "completed" and result.cell_errors[0].ename == "SyntaxError"


def test_output_is_capped(tmp_path):
    name = script(tmp_path, "print('x' * 100000)\nok = 1\n")
    result = ProcessRunner().run(job(tmp_path, name, answers=["ok"]))
    assert len(result.stdout) < 2200 and "more characters not kept" in result.stdout
    assert answers(result) == {"ok": 1}


def _cmdline():
    return "cmd = open('/proc/self/cmdline').read().split(chr(0))\n"


def test_hidden_probes_reach_the_run_only_after_its_answers(tmp_path):
    """A run that reads its own job file, stdin and printing during probes learns nothing of the
    hidden inputs: they arrive after the answers and the log are sent; outcomes keep their order."""
    name = script(tmp_path, _cmdline() + "import sys\njob_text = open(cmd[4]).read()\n"
                  "stdin_text = sys.stdin.read()\n"
                  "def f(x):\n    print('probe saw', x)\n    return 2 * x\n")
    calls = [ProbeCall(args=[1.0]), ProbeCall(args=[987654.0], secret=True), ProbeCall(args=[3.0]),
             ProbeCall(args=[123457.0], secret=True)]
    j = job(tmp_path, name, answers=["job_text", "stdin_text"]).model_copy(update={"probes": {"f": calls}})
    result = ProcessRunner().run(j)
    got = answers(result)
    assert "987654" not in got["job_text"] and "123457" not in got["job_text"]
    assert '"args":[1.0]' in got["job_text"]
    assert got["stdin_text"] == ""
    assert [wire.decode(o.output) for o in result.probes["f"]] == [2.0, 1975308.0, 6.0, 246914.0]
    assert "probe saw" not in result.stdout


def test_hidden_probes_in_a_notebook_kernel(tmp_path):
    name = notebook(tmp_path, "def f(x):\n    return x + 1")
    calls = [ProbeCall(args=[1.0], secret=True), ProbeCall(args=[2.0])]
    result = ProcessRunner().run(job(tmp_path, name).model_copy(update={"probes": {"f": calls}}))
    assert [wire.decode(o.output) for o in result.probes["f"]] == [2.0, 3.0]


def test_a_run_that_forges_its_result_channel(tmp_path):
    name = script(tmp_path, _cmdline() + "import os\nos.write(int(cmd[5]), b'nonsense' * 10)\nok = 1\n")
    result = ProcessRunner().run(job(tmp_path, name, answers=["ok"]))
    assert result.status == "malformed_result" and "result channel" in result.message


def test_a_run_that_never_lets_its_hidden_probes_finish(tmp_path):
    """The answers stand; the hidden probe that never came back is an error, not a timeout of the run."""
    name = script(tmp_path, "import time\nok = 1\ndef f(x):\n    time.sleep(100)\n")
    j = job(tmp_path, name, answers=["ok"], total=6).model_copy(
        update={"probes": {"f": [ProbeCall(args=[1.0], secret=True)]}, "probe_timeout_s": 30})
    result = ProcessRunner().run(j)
    assert result.status == "completed" and answers(result) == {"ok": 1}
    assert "no outcome" in (result.probes["f"][0].error or "")


def _forge(payload: str) -> str:
    return (_cmdline() + "import os\nfd = int(cmd[5])\n"
            f"data = {payload!r}.encode()\nos.write(fd, str(len(data)).encode() + b'\\n' + data)\n")


def test_a_forged_first_frame_gets_no_hidden_probes_and_no_exit_code_reaches_the_student(tmp_path):
    """Review finding: a forged 'crashed' frame, then os._exit(hidden input) in a hidden probe,
    showed the input as the exit code in the feedback."""
    name = script(tmp_path, _forge('{"status": "crashed", "message": "x"}')
                  + "def f(x):\n    os._exit(int(x) % 256)\n")
    j = job(tmp_path, name).model_copy(update={"probes": {"f": [ProbeCall(args=[42.0], secret=True)]}})
    result = ProcessRunner().run(j)
    assert result.status == "crashed" and "42" not in result.message and "f" not in result.probes


def test_an_oversized_first_frame_is_malformed_at_once_not_a_timeout(tmp_path):
    """Review finding: it left the driver waiting for hidden probes until the wall clock."""
    name = script(tmp_path, _cmdline() + "import os, time\nos.write(int(cmd[5]), b'99999999999\\n')\n"
                  "time.sleep(60)\n")
    j = job(tmp_path, name, total=30).model_copy(
        update={"probes": {"f": [ProbeCall(args=[1.0], secret=True)]}})
    started = time.monotonic()
    result = ProcessRunner().run(j)
    assert result.status == "malformed_result" and "larger than" in result.message
    assert time.monotonic() - started < 10


def test_impossible_values_in_a_forged_frame_are_malformed(tmp_path):
    name = script(tmp_path, _forge('{"status": "completed", "n_cells": -5, "duration_s": -1e308}'))
    assert ProcessRunner().run(job(tmp_path, name)).status == "malformed_result"
