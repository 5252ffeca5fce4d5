"""Folder throughput: the command-line scorer against a bare forward on decoded tensors.

Times, in turn, per repeat:

* ``scorer``: ``python -m artcomp_gui score FOLDER -o out.csv`` as a child process,
  on ``--count`` paintings read from disk (links to them in one folder). Its wall
  time includes starting Python, loading and verifying the model and starting the
  decoding workers.
* ``startup``: the same command on one painting, which is almost only that fixed
  cost. ``scorer`` minus ``startup`` is the time spent scoring.
* ``serial``: the scorer with ``--workers 0``, which decodes in the scoring process
  between batches. It shows how much the decoding workers save.
* ``bare``: a bare ``torchvision.models.resnet50`` in this process, on the same
  paintings decoded and preprocessed beforehand, in batches of ``--batch-size``.

Throughput ratios are bare time / scorer time per repeat, medians over repeats. The
scorer's peak memory is the largest resident set of its main process, from
``wait4``. ``--scaling`` then runs the scorer once for each listed count and also
samples its processes: the sum of RSS every 0.2 s and the sum of PSS every 5 s.
Reading PSS stalls the sampled process, so the timed comparison does not sample.

Usage::

    python -m benchmarks.folder_throughput [--count 500] [--repeats 3]
        [--scaling 100 500 4200] [--batch-size 8] [--workers N] [--device cpu]
        [--model DIR]
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from artcomp_gui.model.device import select_device
from artcomp_gui.model.model_card import ModelCard
from artcomp_gui.model.preprocess import Preprocessor
from artcomp_gui.model.weights import MODEL_CARD_NAME, bundled_weights_dir
from artcomp_gui.scoring import DEFAULT_BATCH_SIZE
from benchmarks.process_memory import TreeMemoryPeak, TreeMemorySampler
from benchmarks.timing import (
    Timings,
    alternate,
    busy_cores_text,
    describe_machine,
    synchronize,
)
from benchmarks.workloads import (
    REPO_ROOT,
    add_model_arguments,
    bare_resnet50,
    bundled_model_available,
    load_batch,
    sample_paintings,
    write_random_head_model,
)

GOAL = 0.85
PSS_INTERVAL_S = 5.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--count", type=int, default=500, help="paintings per timed run (default 500)"
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed rounds")
    parser.add_argument(
        "--scaling",
        type=int,
        nargs="*",
        default=[],
        metavar="COUNT",
        help="after the comparison, run the scorer once per count, e.g. 100 500 4200",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULT_BATCH_SIZE,
        help=f"images per forward pass on both sides (default {DEFAULT_BATCH_SIZE})",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="the scorer's decoding processes (default: the scorer's own default)",
    )
    add_model_arguments(parser)
    return parser.parse_args(argv)


@dataclass(frozen=True)
class ScorerRun:
    """One run of the command-line scorer.

    Attributes:
        seconds: wall time from starting the child process to its exit.
        main_peak_rss_kib: largest resident set of the scorer's main process.
        tree_peak: largest sampled sums over the scorer and its worker processes,
            or None if the run was not sampled.
    """

    seconds: float
    main_peak_rss_kib: int
    tree_peak: TreeMemoryPeak | None


def link_paintings(paths: list[Path], folder: Path) -> Path:
    """Make ``folder`` hold one link per painting, numbered to keep their order."""
    folder.mkdir(parents=True)
    for number, path in enumerate(paths):
        (folder / f"{number:05d}_{path.parent.name}_{path.name}").symlink_to(path)
    return folder


def run_scorer(
    folder: Path,
    expected: int,
    model_dir: Path,
    args: argparse.Namespace,
    workers: int | None,
    sample_memory: bool = False,
) -> ScorerRun:
    """Score ``folder`` with the command-line scorer and check every image was scored.

    ``sample_memory`` samples the memory of the scorer's processes, which slows the
    scorer a little, so timed comparisons run without it.

    Raises:
        RuntimeError: if the scorer fails or its result file lacks a scored row.
    """
    output = folder.parent / f"{folder.name}.csv"
    output.unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "artcomp_gui",
        "score",
        str(folder),
        "-o",
        str(output),
        "--batch-size",
        str(args.batch_size),
        "--device",
        args.device,
        "--model",
        str(model_dir),
    ]
    if workers is not None:
        command += ["--workers", str(workers)]
    log_path = folder.parent / f"{folder.name}.log"
    with open(log_path, "wb") as log:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=log, stderr=log, cwd=REPO_ROOT)
        sampler = (
            TreeMemorySampler(process.pid, pss_interval_s=PSS_INTERVAL_S).start()
            if sample_memory
            else None
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    peak = sampler.stop() if sampler is not None else None

    if process.returncode != 0:
        tail = log_path.read_text(errors="replace")[-2000:]
        raise RuntimeError(
            f"scorer exited with status {process.returncode}: "
            f"{' '.join(command)}\n{tail}"
        )
    with open(output, newline="", encoding="utf-8") as table:
        rows = [row for row in csv.DictReader(table) if not row["error"]]
    if len(rows) != expected:
        raise RuntimeError(f"{output}: {len(rows)} scored rows, {expected} expected")
    # ru_maxrss is in KiB on Linux.
    return ScorerRun(seconds, usage.ru_maxrss, peak)


def bare_workload(
    batches: list[torch.Tensor], device: torch.device
) -> Callable[[], None]:
    """Return a workload running a bare ResNet-50 over already-decoded batches."""
    network = bare_resnet50(device)

    def run() -> None:
        with torch.inference_mode():
            for batch in batches:
                images = batch.to(device).contiguous(memory_format=torch.channels_last)
                network(images).cpu()
        synchronize(device)

    return run


def model_folder(args: argparse.Namespace, work: Path) -> Path:
    """Return ``--model``, else the bundled model folder, else a random-head one."""
    if args.model is not None:
        return args.model
    if bundled_model_available():
        return bundled_weights_dir()
    return write_random_head_model(work / "random_heads", args.design)


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    device = select_device(args.device)
    work = Path(tempfile.mkdtemp(prefix="artcomp_throughput_"))
    try:
        return run_benchmark(args, device, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_benchmark(args: argparse.Namespace, device: torch.device, work: Path) -> int:
    model_dir = model_folder(args, work)
    card = ModelCard.load(model_dir / MODEL_CARD_NAME)
    print(describe_machine(device))
    print(f"scorer model: {card.name} ({model_dir}), batch size {args.batch_size}")

    paths = sample_paintings(args.paintings, max([args.count, *args.scaling]))
    folder = link_paintings(paths[: args.count], work / f"paintings_{args.count}")
    single = link_paintings(paths[:1], work / "paintings_1")

    preprocess = Preprocessor(card.pixel_budget)
    decode_start = time.perf_counter()
    decoded = load_batch(paths[: args.count], preprocess)
    decode_ms = (time.perf_counter() - decode_start) / args.count * 1000
    batches = list(decoded.split(args.batch_size))
    print(
        f"decoding and preprocessing in one process: {decode_ms:.1f} ms per image "
        f"({decoded.shape[-1]}x{decoded.shape[-2]} input)"
    )

    runs: dict[str, list[ScorerRun]] = {"scorer": [], "startup": [], "serial": []}

    def scorer(
        name: str, target: Path, count: int, workers: int | None
    ) -> Callable[[], None]:
        return lambda: runs[name].append(
            run_scorer(target, count, model_dir, args, workers)
        )

    timings = alternate(
        {
            "bare": bare_workload(batches, device),
            "scorer": scorer("scorer", folder, args.count, args.workers),
            "startup": scorer("startup", single, 1, args.workers),
            "serial": scorer("serial", folder, args.count, 0),
        },
        repeats=args.repeats,
        warmup=0,
    )
    report_comparison(timings, runs, args.count)

    if args.scaling:
        print("scaling (one run each):")
    for count in args.scaling:
        target = link_paintings(paths[:count], work / f"scaling_{count}")
        run = run_scorer(
            target, count, model_dir, args, args.workers, sample_memory=True
        )
        tree = run.tree_peak
        print(
            f"  {count:>5} images: {run.seconds:7.1f} s, "
            f"{run.seconds / count * 1000:6.1f} ms per image, "
            f"peak RSS main process {mib(run.main_peak_rss_kib)}, "
            f"all processes: peak PSS {mib(tree.pss_kib or 0)}, "
            f"peak RSS sum {mib(tree.rss_kib)}"
        )
    print(f"cores busy after the run: {busy_cores_text()}")
    return 0


def report_comparison(
    timings: Timings, runs: dict[str, list[ScorerRun]], count: int
) -> None:
    bare = timings.median("bare")
    scorer = timings.median("scorer")
    startup = timings.median("startup")
    serial = timings.median("serial")
    scoring = [a - b for a, b in zip(timings.times["scorer"], timings.times["startup"])]
    print(f"bare forward on decoded tensors: {count / bare:.2f} images/s")
    print(
        f"scorer from disk, whole command: {count / scorer:.2f} images/s "
        f"({scorer:.1f} s, of which startup {startup:.1f} s)"
    )
    print(
        f"scorer from disk, startup excluded: "
        f"{(count - 1) / statistics.median(scoring):.2f} images/s"
    )
    print(f"scorer with --workers 0 (no overlap): {count / serial:.2f} images/s")
    ratio = timings.ratio("bare", "scorer")
    verdict = "met" if ratio >= GOAL else "NOT met"
    print(
        "scorer / bare throughput, whole command: "
        f"{timings.ratio_text('bare', 'scorer')} (goal >= {GOAL}: {verdict})"
    )
    steady = [b / s for b, s in zip(timings.times["bare"], scoring)]
    print(
        f"scorer / bare throughput, startup excluded: {statistics.median(steady):.3f} "
        f"({min(steady):.3f}-{max(steady):.3f})"
    )
    print(f"scorer --workers 0 / bare: {timings.ratio_text('bare', 'serial')}")
    main_rss = max(run.main_peak_rss_kib for run in runs["scorer"])
    print(f"scorer peak memory: main process RSS {mib(main_rss)}")


if __name__ == "__main__":
    sys.exit(main())
