"""Shared fixtures: real images read in place, and the bundled backbone."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT.parent / "shared" / "data"
PAINTINGS_DIR = DATA_DIR / "wikiart224"
PHOTOS_DIR = DATA_DIR / "avt_image_db" / "previews"


def require(path: Path) -> Path:
    """Skip the test when a real-image folder is not beside the repository."""
    if not path.exists():
        pytest.skip(f"real images not found at {path}")
    return path


@pytest.fixture(scope="session")
def paintings_dir() -> Path:
    return require(PAINTINGS_DIR)


@pytest.fixture(scope="session")
def photos_dir() -> Path:
    return require(PHOTOS_DIR)
