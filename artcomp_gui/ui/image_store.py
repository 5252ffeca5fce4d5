"""Decoded images for display and thumbnails, loaded on the thread pool and cached."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from PySide6.QtCore import QObject, QThreadPool, Signal, Slot
from PySide6.QtGui import QIcon, QImage, QPixmap

from artcomp_gui.ui.caches import LruCache
from artcomp_gui.ui.pool_tasks import DecodeTask, TaskSignals
from artcomp_gui.ui.workers import path_key

logger = logging.getLogger(__name__)

THUMBNAIL_SIDE = 96
# Thumbnails are decoded at twice their shown size, so they stay sharp on screens
# with a device pixel ratio of 2. QIcon downsamples them on other screens.
THUMBNAIL_DECODE_SIDE = 2 * THUMBNAIL_SIDE
# Decoded display images kept in memory, in bytes. Going back to a recent image is
# then instant. A 24-megapixel photograph takes about 70 MB as RGB.
DISPLAY_CACHE_BYTES = 512 * 1024 * 1024
THUMBNAIL_CACHE_COUNT = 20_000
_THUMBNAIL_PREFIX = "thumbnail:"


class ImageStore(QObject):
    """Loads images off the GUI thread and keeps the recent ones.

    ``image`` and ``thumbnail`` return what is cached, or None after starting a decode
    whose result arrives later through ``image_ready`` or ``thumbnail_ready``. A file
    that cannot be decoded reports ``image_failed`` once per request, and its
    thumbnail becomes a grey placeholder.

    Signals:
        image_ready(str key): the display image of ``key`` is cached.
        image_failed(str key, str message): decoding failed; the message names the
            file and the reason.
        thumbnail_ready(str key): the thumbnail of ``key`` is cached.
    """

    image_ready = Signal(str)
    image_failed = Signal(str, str)
    thumbnail_ready = Signal(str)

    def __init__(
        self, parent: QObject | None = None, pool: QThreadPool | None = None
    ) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool.globalInstance()
        self._signals = TaskSignals(self)
        self._signals.decoded.connect(self._on_decoded)
        self._signals.failed.connect(self._on_failed)
        self._images: LruCache[str, QImage] = LruCache(
            DISPLAY_CACHE_BYTES, cost=lambda image: image.sizeInBytes()
        )
        self._thumbnails: LruCache[str, QIcon] = LruCache(THUMBNAIL_CACHE_COUNT)
        self._pending: set[str] = set()
        self._broken: set[str] = set()

    def image(self, path: str | os.PathLike[str]) -> QImage | None:
        """Return the cached display image, or None and start decoding it."""
        key = path_key(path)
        cached = self._images.get(key)
        if cached is not None:
            return cached
        if key not in self._pending:
            self._pending.add(key)
            self._pool.start(DecodeTask(key, Path(key), self._signals))
        return None

    def prefetch(self, path: str | os.PathLike[str]) -> None:
        """Decode an image that is likely to be shown next, such as the next one."""
        self.image(path)

    def thumbnail(self, path: str | os.PathLike[str]) -> QIcon | None:
        """Return the cached thumbnail, or None and start making it.

        A QIcon, not a QPixmap, because item views scale an icon to their icon size
        with its aspect ratio kept.
        """
        key = path_key(path)
        cached = self._thumbnails.get(key)
        if cached is not None:
            return cached
        task_key = _THUMBNAIL_PREFIX + key
        if task_key not in self._pending:
            self._pending.add(task_key)
            # Thumbnails wait behind display images, which the user is waiting for.
            self._pool.start(
                DecodeTask(task_key, Path(key), self._signals, THUMBNAIL_DECODE_SIDE),
                priority=-1,
            )
        return None

    def is_broken(self, path: str | os.PathLike[str]) -> bool:
        """Return whether decoding this file for display failed."""
        return path_key(path) in self._broken

    def forget(self, path: str | os.PathLike[str]) -> None:
        """Drop the cached image and thumbnail, so the next request decodes again."""
        key = path_key(path)
        self._images.pop(key)
        self._thumbnails.pop(key)
        self._broken.discard(key)

    def wait_for_tasks(self, msecs: int = 10_000) -> bool:
        """Wait until the pool is idle; used at shutdown and in tests."""
        return self._pool.waitForDone(msecs)

    @Slot(str, QImage)
    def _on_decoded(self, task_key: str, image: QImage) -> None:
        self._pending.discard(task_key)
        if task_key.startswith(_THUMBNAIL_PREFIX):
            key = task_key[len(_THUMBNAIL_PREFIX) :]
            self._thumbnails.put(key, QIcon(QPixmap.fromImage(image)))
            self.thumbnail_ready.emit(key)
            return
        self._broken.discard(task_key)
        self._images.put(task_key, image)
        self.image_ready.emit(task_key)

    @Slot(str, str)
    def _on_failed(self, task_key: str, message: str) -> None:
        self._pending.discard(task_key)
        if task_key.startswith(_THUMBNAIL_PREFIX):
            key = task_key[len(_THUMBNAIL_PREFIX) :]
            placeholder = QPixmap(THUMBNAIL_SIDE, THUMBNAIL_SIDE)
            placeholder.fill("#8a8a8a")
            self._thumbnails.put(key, QIcon(placeholder))
            self.thumbnail_ready.emit(key)
            return
        logger.warning("Cannot display %s", message)
        self._broken.add(task_key)
        self.image_failed.emit(task_key, message)
