"""What native code writes straight to the process's standard error, turned into log records."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
from collections.abc import Iterator


@contextlib.contextmanager
def native_output_logged(name: str, level: int = logging.DEBUG) -> Iterator[None]:
    """Lines that native code writes to file descriptor 2 meanwhile, logged afterwards as ``name``'s at ``level``.

    LiteRT prints "INFO: Created TensorFlow Lite XNNPACK delegate for CPU." that way, once per process, and
    has no setting to silence it; as a DEBUG record it stays off terminals unless asked for (``--verbose``,
    ``LOG_LEVEL=DEBUG``), and JSON logs stay all JSON.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            for line in sink.read().decode(errors="replace").splitlines():
                if line.strip():
                    logging.getLogger(name).log(level, "%s", line.strip())
