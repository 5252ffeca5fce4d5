"""Model overhead: the attribute model's forward against a bare ResNet-50 forward.

Times, in turn and in one process, per batch size:

* ``ours``: ``AttributeModel.predict_batch``, the call the scorer and the GUI make:
  sixteen taps, pooling, L2 normalisation, the attribute heads, every head's
  activation map, and the copy of scores and maps to numpy.
* ``torchvision``: a bare ``torchvision.models.resnet50`` (v1.5) forward to the 1,000
  ImageNet logits, channels-last like ours, in ``torch.inference_mode``.
* ``v1``: the same bare forward on our own v1 backbone (``backbone.classify``). v1
  strides on the cheaper 1x1 convolution, so this is the stricter baseline.

Both bare sides read the bundled ImageNet weights and the same batch of real
paintings at the model card's input size. The figure is the median over repeats of
the per-repeat ratio ours / bare. A breakdown then times the model's own steps on
taps computed once: pooling (``compute_features``), heads, maps.

Usage::

    python -m benchmarks.model_overhead [--batch-sizes 1 8] [--repeats 15]
        [--device cpu|cuda] [--precision float32|float16|bfloat16] [--model DIR]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

import torch

from artcomp_gui.model import AttributeModel
from artcomp_gui.model.activation_map import compute_activation_maps
from artcomp_gui.model.backbone import classify, forward_taps
from artcomp_gui.model.features import compute_features
from benchmarks.precision import (
    MAX_OUTPUT_CHANGE,
    add_precision_argument,
    autocast,
    measure_output_change,
)
from benchmarks.timing import alternate, busy_cores_text, describe_machine, synchronize
from benchmarks.workloads import (
    add_model_arguments,
    bare_resnet50,
    benchmark_model,
    load_batch,
    sample_paintings,
)

GOAL = 1.10


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_model_arguments(parser)
    add_precision_argument(parser)
    parser.add_argument(
        "--batch-sizes",
        type=int,
        nargs="+",
        default=[1, 8],
        help="batch sizes to compare (default 1 8: one GUI image, the scorer's batch)",
    )
    parser.add_argument(
        "--repeats", type=int, default=15, help="timed rounds per batch size"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch CPU threads (default: torch's default, one per core)",
    )
    parser.add_argument(
        "--warmup", type=int, default=2, help="untimed rounds per batch size"
    )
    return parser.parse_args(argv)


def bare_forward(
    network: Callable[[torch.Tensor], torch.Tensor],
    batch: torch.Tensor,
    device: torch.device,
) -> Callable[[], None]:
    """Return a workload running ``network`` on ``batch`` as the product feeds it."""

    def run() -> None:
        with torch.inference_mode():
            images = batch.to(device).contiguous(memory_format=torch.channels_last)
            network(images).float().cpu()

    return run


def time_batch_size(
    model: AttributeModel,
    bare: torch.nn.Module,
    batch: torch.Tensor,
    args: argparse.Namespace,
) -> None:
    device = model.device
    with autocast(device, args.precision):
        bare_v1 = bare_forward(
            lambda images: classify(model.backbone, images), batch, device
        )
        timings = alternate(
            {
                "ours": lambda: model.predict_batch(batch),
                "torchvision": bare_forward(bare, batch, device),
                "v1": bare_v1,
            },
            repeats=args.repeats,
            warmup=args.warmup,
        )
    size = batch.shape[0]
    per_image = {name: timings.median(name) / size * 1000 for name in timings.times}
    print(
        f"batch {size}: per image ours {per_image['ours']:.1f} ms, "
        f"bare torchvision {per_image['torchvision']:.1f} ms, "
        f"bare v1 {per_image['v1']:.1f} ms"
    )
    faults = ", ".join(
        f"{name} {timings.median_page_faults(name):.0f}" for name in timings.times
    )
    print(f"  minor page faults per call: {faults}")
    ratio = timings.ratio("ours", "torchvision")
    verdict = "met" if ratio <= GOAL else "NOT met"
    print(
        f"  ours / torchvision resnet50: {timings.ratio_text('ours', 'torchvision')} "
        f"(goal <= {GOAL}: {verdict})"
    )
    print(f"  ours / bare v1 backbone:     {timings.ratio_text('ours', 'v1')}")
    print_breakdown(model, batch, args)


def print_breakdown(
    model: AttributeModel, batch: torch.Tensor, args: argparse.Namespace
) -> None:
    """Time the model's steps after the backbone, on taps computed once."""
    device = model.device
    design = model.card.design
    with torch.inference_mode(), autocast(device, args.precision):
        images = batch.to(device).contiguous(memory_format=torch.channels_last)
        taps = forward_taps(model.backbone, images)
        features = compute_features(taps, design)

        def pool() -> None:
            compute_features(taps, design)
            synchronize(device)

        def heads_and_maps() -> None:
            model.heads(features.vector)
            compute_activation_maps(features, model.heads.weight)
            synchronize(device)

        def backbone() -> None:
            forward_taps(model.backbone, images)
            synchronize(device)

        timings = alternate(
            {"backbone": backbone, "pool": pool, "maps": heads_and_maps},
            repeats=args.repeats,
            warmup=1,
        )
    size = batch.shape[0]
    parts = ", ".join(
        f"{name} {timings.median(name) / size * 1000:.2f} ms"
        for name in ("backbone", "pool", "maps")
    )
    print(f"  steps per image: {parts}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    model = benchmark_model(args)
    bare = bare_resnet50(model.device)
    print(describe_machine(model.device))
    print(f"model: {model.card.name}, design {model.card.design}")
    print(f"precision: {args.precision}")

    largest = max(args.batch_sizes)
    paths = sample_paintings(args.paintings, largest)
    full_batch = load_batch(paths, model.preprocess)
    print(f"input: {full_batch.shape[-1]}x{full_batch.shape[-2]} paintings")

    if args.precision != "float32":
        change = measure_output_change(model, full_batch, args.precision)
        print(
            f"{args.precision} against float32: largest score change "
            f"{change.score:.4f}, largest map change {change.activation_map:.4f} "
            f"of the map's magnitude (limit {MAX_OUTPUT_CHANGE})"
        )
        if not change.acceptable:
            print(
                f"{args.precision} changes the outputs too much; "
                "use float32 or another precision",
                file=sys.stderr,
            )
            return 1

    for size in args.batch_sizes:
        time_batch_size(model, bare, full_batch[:size], args)
    print(f"cores busy after the run: {busy_cores_text()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
