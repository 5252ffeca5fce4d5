"""Model loading and scoring off the GUI thread.

Two worker threads share one model. The interactive thread loads the model and scores
the images the user opens, one at a time. The batch thread scores folders through
``artcomp_gui.scoring``, the pipeline the command-line scorer uses. A folder of
thousands of images therefore never delays the image the user is looking at.

``InferenceController`` lives on the GUI thread. It queues requests while a worker is
busy or the model is still loading, hands them on one at a time, and turns worker
results into signals. Workers never touch widgets: they emit signals that Qt delivers
to the GUI thread as queued calls.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

from artcomp_gui.image_loader import display_path, iter_image_paths
from artcomp_gui.model import AttributeModel, load_model
from artcomp_gui.scoring import BatchSummary, ScoredImage, iter_scores, score_paths

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 8
# Results used for the time-left estimate: enough to smooth out batch boundaries,
# few enough to follow a change of speed (a folder of larger images).
ETA_WINDOW = 64
THREAD_STOP_TIMEOUT_MS = 10_000


def path_key(path: str | os.PathLike[str]) -> str:
    """Return the absolute path as text, the key of every per-image cache."""
    return os.path.abspath(os.fspath(path))


@dataclass
class FolderJob:
    """One Score Folder request.

    Attributes:
        job_id: increasing number, unique in this process.
        inputs: folders (and files) to score.
        recursive: whether subfolders are scored too.
        root: folder that row names are shown relative to.
        total: images found, once the batch thread has listed them.
    """

    job_id: int
    inputs: list[Path]
    recursive: bool
    root: Path
    total: int | None = None


@dataclass
class BatchProgress:
    """Progress of the running folder job.

    Attributes:
        job: the job.
        done: images delivered, scored or failed.
        total: images in the job.
        failed: images delivered with an error.
        seconds_left: estimated time left, None until two results have arrived.
    """

    job: FolderJob
    done: int
    total: int
    failed: int
    seconds_left: float | None

    @property
    def remaining(self) -> int:
        return max(0, self.total - self.done)


@dataclass
class _RateTracker:
    """Time-left estimate from the spacing of the most recent results."""

    times: deque = field(default_factory=lambda: deque(maxlen=ETA_WINDOW))

    def add(self, done: int) -> None:
        self.times.append((time.monotonic(), done))

    def seconds_left(self, remaining: int) -> float | None:
        if len(self.times) < 2:
            return None
        (start, first), (end, last) = self.times[0], self.times[-1]
        if last <= first or end <= start:
            return None
        return remaining * (end - start) / (last - first)


class ModelWorker(QObject):
    """Loads the model and scores single images, on the interactive thread."""

    model_loaded = Signal(object)
    model_failed = Signal(str)
    image_scored = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.model: AttributeModel | None = None

    @Slot(object, object)
    def load_model(self, weights_dir: object, device: object) -> None:
        try:
            model = load_model(weights_dir, device)  # type: ignore[arg-type]
        except Exception as error:  # reported through model_failed
            logger.exception(
                "Loading the model from %s failed", weights_dir or "the bundled folder"
            )
            self.model_failed.emit(str(error))
            return
        self.model = model
        self.model_loaded.emit(model)

    @Slot(object)
    def score_image(self, path: object) -> None:
        """Score one file with the batch pipeline, decoding in this thread."""
        path = Path(path)  # type: ignore[arg-type]
        if self.model is None:
            self.image_scored.emit(_failure(path, "the model is not loaded"))
            return
        try:
            results = list(iter_scores(self.model, [path], batch_size=1, num_workers=0))
        except Exception as error:  # a model failure ends this image only
            logger.exception("Scoring %s failed", display_path(path))
            results = [
                _failure(path, f"scoring failed ({type(error).__name__}: {error})")
            ]
        self.image_scored.emit(results[0])


class BatchWorker(QObject):
    """Scores folders on the batch thread and reports each image as it finishes."""

    batch_started = Signal(int, int)
    batch_result = Signal(int, object)
    batch_finished = Signal(int, object)
    batch_failed = Signal(int, str)

    def __init__(self, stop_event: threading.Event) -> None:
        super().__init__()
        self.model: AttributeModel | None = None
        self.stop_event = stop_event
        self.batch_size = DEFAULT_BATCH_SIZE
        self.num_workers: int | None = None

    @Slot(object)
    def score_folder(self, job: object) -> None:
        assert isinstance(job, FolderJob)
        if self.model is None:
            self.batch_failed.emit(job.job_id, "the model is not loaded")
            return
        try:
            paths = []
            for path in iter_image_paths(job.inputs, job.recursive):
                if self.stop_event.is_set():
                    break
                paths.append(path)
            self.batch_started.emit(job.job_id, len(paths))
            summary = score_paths(
                self.model,
                paths,
                on_result=lambda result: self.batch_result.emit(job.job_id, result),
                batch_size=self.batch_size,
                num_workers=self.num_workers,
                should_stop=self.stop_event.is_set,
            )
        except Exception as error:  # reported to the user, rows are kept
            logger.exception("Scoring the folder %s failed", display_path(job.root))
            self.batch_failed.emit(job.job_id, f"{type(error).__name__}: {error}")
            return
        self.batch_finished.emit(job.job_id, summary)


def _failure(path: Path, reason: str) -> ScoredImage:
    return ScoredImage(
        index=0,
        path=path,
        scores=None,
        maps=None,
        overall=None,
        overall_map=None,
        error=f"{display_path(path)}: {reason}",
        image_size=None,
    )


class InferenceController(QObject):
    """The GUI thread's handle on the worker threads, with their request queues.

    Requests made while the model loads, or while a worker is busy, wait in a queue
    and run in order. Single images the user asks to see move to the front.

    Signals:
        model_ready(AttributeModel): the model has loaded.
        model_failed(str): loading failed, with the reason.
        image_scored(ScoredImage): a single image is scored or failed.
        batch_started(FolderJob): a folder job has listed its images.
        batch_result(FolderJob, ScoredImage): one image of a folder job finished.
        batch_progress(BatchProgress): counts and time left after each image.
        batch_finished(FolderJob, BatchSummary | None, str): a folder job ended,
            with its summary, or None and the reason it failed.
        busy_changed(): a queue or a worker's state changed.
    """

    model_ready = Signal(object)
    model_failed = Signal(str)
    image_scored = Signal(object)
    batch_started = Signal(object)
    batch_result = Signal(object, object)
    batch_progress = Signal(object)
    batch_finished = Signal(object, object, str)
    busy_changed = Signal()

    _load_requested = Signal(object, object)
    _image_requested = Signal(object)
    _folder_requested = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model: AttributeModel | None = None
        self.model_error: str | None = None
        self.loading = False

        self._stop_event = threading.Event()
        self._model_worker = ModelWorker()
        self._batch_worker = BatchWorker(self._stop_event)
        self._model_thread = QThread(self)
        self._model_thread.setObjectName("artcomp-model")
        self._batch_thread = QThread(self)
        self._batch_thread.setObjectName("artcomp-batch")
        self._model_worker.moveToThread(self._model_thread)
        self._batch_worker.moveToThread(self._batch_thread)

        self._load_requested.connect(self._model_worker.load_model)
        self._image_requested.connect(self._model_worker.score_image)
        self._folder_requested.connect(self._batch_worker.score_folder)
        self._model_worker.model_loaded.connect(self._on_model_loaded)
        self._model_worker.model_failed.connect(self._on_model_failed)
        self._model_worker.image_scored.connect(self._on_image_scored)
        self._batch_worker.batch_started.connect(self._on_batch_started)
        self._batch_worker.batch_result.connect(self._on_batch_result)
        self._batch_worker.batch_finished.connect(self._on_batch_finished)
        self._batch_worker.batch_failed.connect(self._on_batch_failed)

        self._image_queue: deque[str] = deque()
        self._image_in_flight: str | None = None
        self._folder_queue: deque[FolderJob] = deque()
        self._folder_in_flight: FolderJob | None = None
        self._done = 0
        self._failed = 0
        self._rate = _RateTracker()
        self._next_job_id = 1
        self._stopped = False

        self._model_thread.start()
        self._batch_thread.start()

    # Configuration ------------------------------------------------------------------

    def set_batch_options(self, batch_size: int, num_workers: int | None) -> None:
        """Set the batch size and decoding processes of later folder jobs."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        self._batch_worker.batch_size = batch_size
        self._batch_worker.num_workers = num_workers

    # Model --------------------------------------------------------------------------

    def load_model(
        self,
        weights_dir: str | os.PathLike[str] | None = None,
        device: str | None = None,
    ) -> None:
        """Start loading the model on the interactive thread; returns at once."""
        self.loading = True
        self.model_error = None
        self._load_requested.emit(weights_dir, device)
        self.busy_changed.emit()

    def use_model(self, model: AttributeModel) -> None:
        """Use a model that is already loaded, as if ``load_model`` had returned it."""
        self._model_worker.model = model
        self._on_model_loaded(model)

    @Slot(object)
    def _on_model_loaded(self, model: AttributeModel) -> None:
        self.model = model
        self.loading = False
        self._batch_worker.model = model
        self.model_ready.emit(model)
        self._dispatch()

    @Slot(str)
    def _on_model_failed(self, message: str) -> None:
        self.loading = False
        self.model_error = message
        self.model_failed.emit(message)
        self.busy_changed.emit()

    # Single images ------------------------------------------------------------------

    def request_image(self, path: str | os.PathLike[str], urgent: bool = False) -> None:
        """Queue one image for scoring; ``urgent`` puts it before the others."""
        key = path_key(path)
        if key == self._image_in_flight:
            return
        if key in self._image_queue:
            if not urgent:
                return
            self._image_queue.remove(key)
        if urgent:
            self._image_queue.appendleft(key)
        else:
            self._image_queue.append(key)
        self._dispatch()

    def is_image_pending(self, path: str | os.PathLike[str]) -> bool:
        key = path_key(path)
        return key == self._image_in_flight or key in self._image_queue

    @Slot(object)
    def _on_image_scored(self, result: ScoredImage) -> None:
        self._image_in_flight = None
        self.image_scored.emit(result)
        self._dispatch()

    # Folders ------------------------------------------------------------------------

    def score_folder(
        self, inputs: Sequence[str | os.PathLike[str]], recursive: bool
    ) -> FolderJob:
        """Queue a folder job behind any running one, and return it."""
        paths = [Path(path_key(path)) for path in inputs]
        root = paths[0] if len(paths) == 1 else Path(os.path.commonpath(paths))
        job = FolderJob(self._next_job_id, paths, recursive, root)
        self._next_job_id += 1
        self._folder_queue.append(job)
        self._dispatch()
        return job

    def cancel_batch(self) -> None:
        """Stop the running folder job after the current batch, and drop queued ones.

        Rows already delivered stay delivered.
        """
        dropped = len(self._folder_queue)
        self._folder_queue.clear()
        if self._folder_in_flight is not None:
            self._stop_event.set()
        logger.info("Folder scoring cancelled; %d queued jobs dropped", dropped)
        self.busy_changed.emit()

    @property
    def batch_running(self) -> FolderJob | None:
        return self._folder_in_flight

    @property
    def queued_folders(self) -> int:
        return len(self._folder_queue)

    @property
    def queued_images(self) -> int:
        return len(self._image_queue) + (1 if self._image_in_flight else 0)

    @property
    def cancelling(self) -> bool:
        return self._folder_in_flight is not None and self._stop_event.is_set()

    @Slot(int, int)
    def _on_batch_started(self, job_id: int, total: int) -> None:
        job = self._folder_in_flight
        if job is None or job.job_id != job_id:
            return
        job.total = total
        self._rate.add(0)
        self.batch_started.emit(job)
        self._emit_progress()

    @Slot(int, object)
    def _on_batch_result(self, job_id: int, result: ScoredImage) -> None:
        job = self._folder_in_flight
        if job is None or job.job_id != job_id:
            return
        self._done += 1
        self._failed += 0 if result.ok else 1
        self._rate.add(self._done)
        self.batch_result.emit(job, result)
        self._emit_progress()

    @Slot(int, object)
    def _on_batch_finished(self, job_id: int, summary: BatchSummary) -> None:
        job = self._end_batch(job_id)
        if job is not None:
            self.batch_finished.emit(job, summary, "")
        self._dispatch()

    @Slot(int, str)
    def _on_batch_failed(self, job_id: int, message: str) -> None:
        job = self._end_batch(job_id)
        if job is not None:
            self.batch_finished.emit(job, None, message)
        self._dispatch()

    def _end_batch(self, job_id: int) -> FolderJob | None:
        job = self._folder_in_flight
        if job is None or job.job_id != job_id:
            return None
        self._folder_in_flight = None
        self._stop_event.clear()
        return job

    def _emit_progress(self) -> None:
        job = self._folder_in_flight
        if job is None or job.total is None:
            return
        remaining = max(0, job.total - self._done)
        self.batch_progress.emit(
            BatchProgress(
                job,
                self._done,
                job.total,
                self._failed,
                self._rate.seconds_left(remaining),
            )
        )

    # Dispatch and shutdown ----------------------------------------------------------

    def _dispatch(self) -> None:
        """Hand the next queued request to each idle worker."""
        if self._stopped or self.model is None:
            self.busy_changed.emit()
            return
        if self._image_in_flight is None and self._image_queue:
            self._image_in_flight = self._image_queue.popleft()
            self._image_requested.emit(self._image_in_flight)
        if self._folder_in_flight is None and self._folder_queue:
            job = self._folder_queue.popleft()
            self._folder_in_flight = job
            self._done = 0
            self._failed = 0
            self._rate = _RateTracker()
            self._stop_event.clear()
            logger.info(
                "Scoring folder %s (job %d)", display_path(job.root), job.job_id
            )
            self._folder_requested.emit(job)
        self.busy_changed.emit()

    def shutdown(self) -> None:
        """Cancel all work and stop both threads, waiting for the current image."""
        if self._stopped:
            return
        self._stopped = True
        self._image_queue.clear()
        self._folder_queue.clear()
        self._stop_event.set()
        for thread in (self._batch_thread, self._model_thread):
            thread.quit()
            if not thread.wait(THREAD_STOP_TIMEOUT_MS):
                logger.warning("Thread %s did not stop in time", thread.objectName())
