"""Jobs the sandbox tests send to the parse worker, in a module that imports nothing: the worker imports a
job's module when it unpickles the job, and a time-limited job must not spend its seconds importing pytest
and openpyxl on a busy machine."""

from __future__ import annotations

import time


def spin_forever() -> None:
    while True:
        time.sleep(0.01)


def add(a: int, b: int) -> int:
    return a + b
