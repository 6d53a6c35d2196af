"""One syncing process per store: an advisory file lock beside the database.

The kernel drops it when the process dies, so a crashed sync never blocks the next one.
The app syncs by itself only when it can take this lock (one agent on a laptop) and
just watches the store when a sync service holds it (a shared server)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
from pathlib import Path
from types import TracebackType


class SyncLock:
    def __init__(self, store_path: Path) -> None:
        self.path = Path(f"{store_path}.sync-lock")
        self._fd: int | None = None

    def acquire(self) -> bool:
        if self._fd is not None:
            return True
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o660)
        except OSError:
            return False
        with contextlib.suppress(OSError):  # a shared (setgid) folder: any agent may sync
            if os.stat(self.path.parent).st_mode & stat.S_ISGID:
                os.fchmod(fd, 0o660)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> SyncLock:
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()
