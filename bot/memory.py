"""Give the memory of large picture buffers back to the system once they are freed.

glibc's malloc serves big requests with their own mappings, returned to the
system on ``free``, but after freeing such a buffer it raises that threshold to
the buffer's size: the next decodes of a large picture then land in the heap
of whichever analysis thread made them, and those heaps do not shrink. A bot
that has read a few 40-megapixel pictures would keep their peaks for good.
A fixed threshold keeps every buffer over ``THRESHOLD`` in its own mapping.

The threshold sits above a Telegram photo's decoded size (at most 1280 pixels a
side: 4.9 MB), whose buffers are then reused from the heap photo after photo; a
fresh mapping for each, zeroed by the kernel, cost a tenth of a photo's analysis.
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_MMAP_THRESHOLD = -3
"""glibc's ``mallopt`` parameter number (malloc.h)."""
THRESHOLD = 6 << 20


def return_large_buffers(threshold: int = THRESHOLD) -> bool:
    """Fix glibc's mmap threshold at ``threshold`` bytes; False where the C library is not glibc."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl, macOS: their allocators return memory their own way
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, threshold))
