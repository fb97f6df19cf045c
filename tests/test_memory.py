"""The bot gives the memory of freed picture buffers back to the system (bot.memory)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.memory import return_large_buffers

# A large picture's working set: 8 MB buffers (over the threshold) with small survivors between them, after one
# 24 MB buffer was freed (which makes glibc raise its threshold, so that the 8 MB buffers would land in the heap
# for good).
CHILD = """
import numpy as np
from bot.memory import return_large_buffers
assert return_large_buffers()
def rss_mb():
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmRSS")) // 1024
first = np.ones(24 << 20, np.uint8)
del first
base = rss_mb()
buffers, survivors = [], []
for _ in range(20):
    buffers.append(np.ones(8 << 20, np.uint8))
    survivors.append(np.ones(64 << 10, np.uint8))
del buffers
print(rss_mb() - base)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux") or not return_large_buffers(), reason="needs glibc")
def test_freed_picture_buffers_leave_the_process():
    grown = int(subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, check=True).stdout)
    assert grown < 20, f"{grown} MB of freed 8 MB buffers kept by the process (160 MB were allocated)"
