"""Cached backbone features of training images, with horizontally flipped copies.

Feature extraction is the slow part of training, so every image's features are stored
on disk once, keyed by the file's path, size and modification time and by everything
that changes the features (backbone sha256, pixel budget, border trimming). A later run
with the same key reads them back, and an interrupted run resumes where it stopped.

Each cached image holds two rows, the original and its horizontal mirror, of the full
``taps+grid`` vector (33,536 float16 values: the normalised pooled taps, then the
normalised grid). The ``taps`` design reads the first 15,104 columns.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from artcomp_gui.image_loader import ImageLoadError, load_image
from artcomp_gui.model.backbone import forward_taps
from artcomp_gui.model.features import compute_features
from artcomp_gui.model.preprocess import Preprocessor
from artcomp_gui.training.borders import trim_uniform_border

logger = logging.getLogger(__name__)

CACHE_FORMAT_VERSION = 1


@dataclass(frozen=True)
class TrainingImage:
    """One training image: where it is and whether its uniform borders are trimmed."""

    path: Path
    trim_borders: bool


def image_key(image: TrainingImage) -> str:
    """Return a file-name-safe key that changes when the file changes."""
    status = image.path.stat()
    text = f"{image.path.resolve()}|{status.st_size}|{status.st_mtime_ns}|{image.trim_borders}"
    return hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest()


class ImageDataset(Dataset):
    """Decodes, trims, measures and preprocesses training images in loader workers."""

    def __init__(
        self,
        images: Sequence[TrainingImage],
        preprocess: Preprocessor,
        measure: Callable | None,
    ):
        self.images = images
        self.preprocess = preprocess
        self.measure = measure

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(
        self, index: int
    ) -> tuple[int, torch.Tensor | None, dict, str | None]:
        item = self.images[index]
        try:
            image = load_image(item.path)
        except ImageLoadError as error:
            return index, None, {}, str(error)
        if item.trim_borders:
            image = trim_uniform_border(image)
        measures = self.measure(image) if self.measure else {}
        return index, self.preprocess(image), measures, None


class FeatureCache:
    """Features of training images stored one file per image under ``folder``.

    Args:
        folder: cache root; features go to a subfolder named by ``config_key``.
        config_key: identifies backbone, pixel budget and format.
    """

    def __init__(self, folder: Path, config_key: str):
        self.folder = Path(folder) / config_key
        self.folder.mkdir(parents=True, exist_ok=True)

    def path_for(self, key: str) -> Path:
        return self.folder / f"{key}.npz"

    def has(self, key: str) -> bool:
        return self.path_for(key).is_file()

    def save(self, key: str, features: np.ndarray, measures: dict[str, float]) -> None:
        """Write one image's 2 x D features and measures atomically."""
        target = self.path_for(key)
        temporary = target.with_suffix(".tmp.npz")
        np.savez(
            temporary,
            features=features.astype(np.float16),
            measures=json.dumps(measures),
        )
        os.replace(temporary, target)

    def load(self, key: str) -> tuple[np.ndarray, dict[str, float]]:
        with np.load(self.path_for(key)) as data:
            return data["features"], json.loads(str(data["measures"]))


def cache_config_key(backbone_sha256: str, pixel_budget: int) -> str:
    text = f"v{CACHE_FORMAT_VERSION}|{backbone_sha256}|{pixel_budget}"
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def _collate(items: list) -> list:
    return items


def extract_features(
    backbone: torch.nn.Module,
    images: Sequence[TrainingImage],
    cache: FeatureCache,
    preprocess: Preprocessor,
    measure: Callable | None = None,
    batch_size: int = 16,
    num_workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> dict[int, str]:
    """Compute and cache the features of every image that is not cached yet.

    Images are batched by input size, so letterbox-trimmed paintings of different
    aspect ratios still share batches.

    Args:
        backbone: ImageNet ResNet-50 in eval mode.
        images: training images.
        cache: where features go.
        preprocess: the inference input policy.
        measure: optional function of the trimmed image returning teacher values.
        progress: called with (done, total) after each image.

    Returns:
        Index to error message for images that could not be loaded.
    """
    keys = [image_key(image) for image in images]
    todo = [i for i, key in enumerate(keys) if not cache.has(key)]
    total = len(images)
    done = total - len(todo)
    errors: dict[int, str] = {}
    if progress:
        progress(done, total)
    if not todo:
        return errors

    dataset = ImageDataset([images[i] for i in todo], preprocess, measure)
    loader = DataLoader(
        dataset,
        batch_size=1,
        num_workers=num_workers,
        collate_fn=_collate,
        persistent_workers=False,
    )
    buckets: dict[tuple, list] = {}

    def flush(shape: tuple) -> None:
        nonlocal done
        entries = buckets.pop(shape)
        batch = torch.stack([tensor for _, tensor, _ in entries])
        both = torch.cat([batch, torch.flip(batch, dims=[-1])])
        both = both.contiguous(memory_format=torch.channels_last)
        with torch.inference_mode():
            vectors = compute_features(forward_taps(backbone, both), "taps+grid").vector
        vectors = vectors.float().numpy()
        count = len(entries)
        for row, (index, _, measures) in enumerate(entries):
            pair = np.stack([vectors[row], vectors[count + row]])
            cache.save(keys[todo[index]], pair, measures)
            done += 1
            if progress:
                progress(done, total)

    for [(index, tensor, measures, error)] in loader:
        if error is not None:
            errors[todo[index]] = error
            logger.warning("skipped training image: %s", error)
            done += 1
            continue
        shape = tuple(tensor.shape)
        buckets.setdefault(shape, []).append((index, tensor, measures))
        if len(buckets[shape]) >= batch_size:
            flush(shape)
    for shape in list(buckets):
        flush(shape)
    return errors


class MeasureDataset(Dataset):
    """Decodes and trims training images and runs the teacher measures in workers."""

    def __init__(self, images: Sequence[TrainingImage], measure: Callable):
        self.images = images
        self.measure = measure

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> tuple[int, dict, str | None]:
        item = self.images[index]
        try:
            image = load_image(item.path)
        except ImageLoadError as error:
            return index, {}, str(error)
        if item.trim_borders:
            image = trim_uniform_border(image)
        return index, self.measure(image), None


def fill_measures(
    images: Sequence[TrainingImage],
    cache: FeatureCache,
    measure: Callable,
    names: Sequence[str],
    num_workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Add teacher measures to cached images that lack any of ``names``.

    Features and measures are cached together, but a cache filled without teachers
    (or before a teacher was added) gets its measures here, without rerunning the
    backbone.
    """
    keys = [image_key(image) for image in images]
    todo = []
    for index, key in enumerate(keys):
        if not cache.has(key):
            continue
        _, measures = cache.load(key)
        if any(name not in measures for name in names):
            todo.append(index)
    if not todo:
        return

    dataset = MeasureDataset([images[i] for i in todo], measure)
    loader = DataLoader(
        dataset, batch_size=1, num_workers=num_workers, collate_fn=_collate
    )
    for done, [(index, measures, error)] in enumerate(loader, start=1):
        key = keys[todo[index]]
        if error is not None:
            logger.warning("teacher measures skipped: %s", error)
            continue
        features, old = cache.load(key)
        cache.save(key, features, {**old, **measures})
        if progress:
            progress(done, len(todo))
