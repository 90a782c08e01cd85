"""Python's cyclic garbage collector paused while a bulk pass runs.

A rescan or an import keeps hundreds of thousands of objects alive at once (rows, values,
plans). The collector's full passes walk every one of them, again and again as the pass
allocates: 3.2 s of a million-row import and 0.4 s of a rescan creating every record, with
the GIL held (bench/notes.md, "Fifteenth pass"). What these passes make is freed by
reference counting as they go; measured, their peak memory is the same with the collector
paused. Reference cycles made meanwhile wait for the first collection after the pass.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The block runs with the cyclic collector off; it is on again after, if it was before
    (a pass inside another leaves it to the outer one). Usable as a decorator."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
