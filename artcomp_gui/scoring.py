"""Batch scoring: decode images in worker processes and score them in same-size batches.

The GUI's folder scoring and the command-line scorer both run ``iter_scores`` (or its
callback form ``score_paths``). A ``torch.utils.data.DataLoader`` decodes and
preprocesses images in worker processes while the model scores earlier batches.
Preprocessing keeps each image's aspect ratio, so images of different shapes get
tensors of different sizes. Only tensors of equal shape are stacked into one batch.

Results are delivered as they finish, not in input order: a file that fails to load
comes back at once, a scored image when its batch has run. ``ScoredImage.index`` is
the input position, for callers that need the input order.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.context
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset

from artcomp_gui.image_loader import ImageLoadError, display_path, load_image

if TYPE_CHECKING:
    from artcomp_gui.model import AttributeModel

logger = logging.getLogger(__name__)

Preprocess = Callable[[Image.Image], torch.Tensor]

DEFAULT_BATCH_SIZE = 8
MAX_DEFAULT_WORKERS = 4


@dataclass(frozen=True)
class ScoredImage:
    """The outcome for one input path: scores and activation maps, or an error.

    Attributes:
        index: position of the path in the input, for restoring input order.
        path: the image file.
        scores: attribute name to score in card order, or None if it failed.
        maps: A x h x w float32 signed activation maps in card order, or None.
        overall: overall score on [0, 1], or None if it failed or the model has no
            overall head.
        overall_map: h x w activation map of the overall head, or None.
        error: the failure message, which starts with the file's ``display_path``
            and ends with the fix, or None.
        image_size: (width, height) of the decoded image after EXIF orientation, or
            None if it could not be decoded.
    """

    index: int
    path: Path
    scores: dict[str, float] | None
    maps: np.ndarray | None
    overall: float | None
    overall_map: np.ndarray | None
    error: str | None
    image_size: tuple[int, int] | None

    @property
    def ok(self) -> bool:
        """Whether the image was scored."""
        return self.error is None


@dataclass(frozen=True)
class BatchSummary:
    """Counts of one ``score_paths`` run.

    Attributes:
        total: number of input paths.
        scored: images delivered with scores.
        failed: images delivered with an error.
        stopped: whether ``should_stop`` ended the run before every path was
            delivered.
    """

    total: int
    scored: int
    failed: int
    stopped: bool


class _DecodedImage(NamedTuple):
    """One image as a worker returns it: a tensor or an error message."""

    index: int
    tensor: torch.Tensor | None
    image_size: tuple[int, int] | None
    error: str | None


class _ImageDataset(Dataset):
    """Image files loaded and preprocessed by index, picklable for worker processes."""

    def __init__(self, paths: list[Path], preprocess: Preprocess) -> None:
        self.paths = paths
        self.preprocess = preprocess

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> _DecodedImage:
        path = self.paths[index]
        try:
            image = load_image(path)
        except ImageLoadError as error:
            return _DecodedImage(index, None, None, str(error))

        try:
            tensor = self.preprocess(image)
        except Exception as error:  # noqa: BLE001 - one bad image must not end the run
            logger.warning(
                "Preprocessing %s failed: %s: %s",
                display_path(path),
                type(error).__name__,
                error,
            )
            message = (
                f"{display_path(path)}: preprocessing failed "
                f"({type(error).__name__}: {error}). Report this image as a bug."
            )
            return _DecodedImage(index, None, image.size, message)
        return _DecodedImage(index, tensor, image.size, None)


def _keep_item(item: _DecodedImage) -> _DecodedImage:
    """Return a dataset item unchanged, in place of the DataLoader's conversion."""
    return item


def _init_worker(worker_id: int) -> None:
    # Each worker decodes one image at a time, and the model process needs the cores.
    torch.set_num_threads(1)


def _worker_context(preprocess: Preprocess) -> multiprocessing.context.BaseContext:
    """Return the multiprocessing context that starts decoding workers.

    Forking this process could deadlock a worker, because the GUI runs Qt threads and
    CUDA starts its own. "forkserver" (POSIX) forks workers from a clean helper
    process that has already imported torch and the preprocessing code, so a worker
    starts at once. The helper is started on first use and kept for later runs.
    Elsewhere "spawn" starts each worker as a new interpreter that imports torch.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    # Takes effect only when the helper process starts, so later calls are no-ops.
    context.set_forkserver_preload([__name__, type(preprocess).__module__])
    return context


def default_num_workers() -> int:
    """Return the number of decoding workers: one fewer than the usable cores, 1 to 4.

    One core is left to the process that runs the model.
    """
    # NOTE: the cap of four is an estimate. It has not been measured on a GPU machine
    # whether four workers keep a GPU busy.
    if hasattr(os, "sched_getaffinity"):
        cores = len(os.sched_getaffinity(0))
    else:
        cores = os.cpu_count() or 1
    return max(1, min(MAX_DEFAULT_WORKERS, cores - 1))


def iter_scores(
    model: AttributeModel,
    paths: Iterable[str | os.PathLike[str]],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    num_workers: int | None = None,
    should_stop: Callable[[], bool] | None = None,
    preprocess: Preprocess | None = None,
    max_pending: int | None = None,
) -> Iterator[ScoredImage]:
    """Score image files, yielding one ``ScoredImage`` per path as each finishes.

    A path that fails to load or preprocess yields a result with ``error`` set, and
    the run goes on. Errors from the model itself (out of memory, for example)
    propagate and end the run.

    Args:
        model: the attribute model. Only ``predict_batch`` and, unless
            ``preprocess`` is given, ``preprocess`` are used.
        paths: image files, in the order that ``ScoredImage.index`` counts.
        batch_size: most images scored in one ``predict_batch`` call, at least 1.
        num_workers: decoding processes. 0 decodes in this process. None uses
            ``default_num_workers()``.
        should_stop: polled before each image is handled and before each batch. Once
            it returns True, no more results are yielded and the workers are shut
            down. Results already yielded stay valid.
        preprocess: picklable image-to-tensor callable (3 x h x w float32). Defaults
            to ``model.preprocess``.
        max_pending: most decoded images waiting for a batch partner of the same
            shape. Past it, the group holding the oldest waiting image is scored
            as a smaller batch. Defaults to ``4 * batch_size``.

    Yields:
        One ``ScoredImage`` per path, in completion order.

    Raises:
        ValueError: if ``batch_size``, ``num_workers`` or ``max_pending`` is out of
            range.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    if num_workers is not None and num_workers < 0:
        raise ValueError(f"num_workers must be 0 or more, not {num_workers}")
    max_pending = 4 * batch_size if max_pending is None else max_pending
    if max_pending < 1:
        raise ValueError(f"max_pending must be at least 1, not {max_pending}")

    path_list = [Path(path) for path in paths]
    if not path_list:
        return
    stop = should_stop or (lambda: False)
    workers = default_num_workers() if num_workers is None else num_workers
    workers = min(workers, len(path_list))
    preprocess = preprocess or model.preprocess
    dataset = _ImageDataset(path_list, preprocess)

    # NOTE: a worker killed by a crash inside a decoder (a segfault in a codec
    # library) makes the DataLoader raise RuntimeError, which ends the whole run.
    loader = DataLoader(
        dataset,
        batch_size=None,
        shuffle=False,
        num_workers=workers,
        collate_fn=_keep_item,
        pin_memory=model.device.type == "cuda",
        worker_init_fn=_init_worker if workers else None,
        multiprocessing_context=_worker_context(preprocess) if workers else None,
    )
    logger.info(
        "Scoring %d images in batches of up to %d with %d decoding workers",
        len(path_list),
        batch_size,
        workers,
    )

    # Shape to decoded images waiting for a batch. Dicts keep insertion order, so
    # the first group contains the oldest waiting image.
    pending: dict[tuple[int, ...], list[_DecodedImage]] = {}
    pending_count = 0
    decoded_items = iter(loader)
    try:
        for item in decoded_items:
            if stop():
                logger.info("Scoring stopped; %d decoded images dropped", pending_count)
                return
            if item.tensor is None:
                logger.info("Not scored: %s", item.error)
                yield _failed(path_list, item)
                continue

            shape = tuple(item.tensor.shape)
            pending.setdefault(shape, []).append(item)
            pending_count += 1
            if len(pending[shape]) >= batch_size:
                group = pending.pop(shape)
            elif pending_count > max_pending:
                group = pending.pop(next(iter(pending)))
            else:
                continue
            pending_count -= len(group)
            yield from _score_group(model, path_list, group)

        while pending:
            if stop():
                logger.info("Scoring stopped; %d decoded images dropped", pending_count)
                return
            group = pending.pop(next(iter(pending)))
            pending_count -= len(group)
            yield from _score_group(model, path_list, group)
    finally:
        # Dropping the last reference shuts the worker processes down at once, also
        # when the caller abandons this generator.
        del decoded_items


def _failed(paths: list[Path], item: _DecodedImage) -> ScoredImage:
    return ScoredImage(
        index=item.index,
        path=paths[item.index],
        scores=None,
        maps=None,
        overall=None,
        overall_map=None,
        error=item.error,
        image_size=item.image_size,
    )


def _score_group(
    model: AttributeModel, paths: list[Path], group: list[_DecodedImage]
) -> Iterator[ScoredImage]:
    """Score decoded images of one shape as one batch (N x 3 x h x w)."""
    batch = torch.stack([item.tensor for item in group])
    predictions = model.predict_batch(batch)
    for item, prediction in zip(group, predictions):
        yield ScoredImage(
            index=item.index,
            path=paths[item.index],
            scores=prediction.scores,
            maps=prediction.maps,
            overall=prediction.overall,
            overall_map=prediction.overall_map,
            error=None,
            image_size=item.image_size,
        )


def score_paths(
    model: AttributeModel,
    paths: Iterable[str | os.PathLike[str]],
    *,
    on_result: Callable[[ScoredImage], None],
    batch_size: int = DEFAULT_BATCH_SIZE,
    num_workers: int | None = None,
    should_stop: Callable[[], bool] | None = None,
    preprocess: Preprocess | None = None,
) -> BatchSummary:
    """Score image files and pass each ``ScoredImage`` to ``on_result`` as it finishes.

    This is ``iter_scores`` with a callback. See there for the arguments, the
    delivery order and cancellation.

    Returns:
        Counts of the images delivered, and whether ``should_stop`` ended the run.
    """
    path_list = [Path(path) for path in paths]
    scored = 0
    failed = 0
    for result in iter_scores(
        model,
        path_list,
        batch_size=batch_size,
        num_workers=num_workers,
        should_stop=should_stop,
        preprocess=preprocess,
    ):
        on_result(result)
        if result.ok:
            scored += 1
        else:
            failed += 1

    stopped = scored + failed < len(path_list)
    logger.info(
        "Scored %d of %d images, %d failed%s",
        scored,
        len(path_list),
        failed,
        ", stopped early" if stopped else "",
    )
    return BatchSummary(len(path_list), scored, failed, stopped)
