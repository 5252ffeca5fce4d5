"""Heatmap cost: one-pass activation maps against Grad-CAM for every attribute.

Times, in turn and in one process, per batch size, the work that produces scores and
a map for each of the seven attributes:

* ``ours``: ``AttributeModel.predict_batch``, one forward pass in
  ``torch.inference_mode`` that returns the scores and every head's exact, signed
  activation map.
* ``grad-cam``: Grad-CAM (Selvaraju et al. 2017) on the output of the last stage
  (layer4), computed the way ``BaseCAM.forward`` of jacobgil/pytorch-grad-cam does
  it: ``model.zero_grad()`` and ``backward(retain_graph=True)`` from the target
  score. One forward pass records the graph. Then, for each attribute, a backward
  pass runs from that attribute's pre-activation, a tensor hook reads the layer4
  gradient, and ReLU(sum_k mean(dS/dA_k) A_k) is the map. The backbone parameters
  require gradients, as in a model that is not frozen, so each of the seven backward
  passes runs through the whole network. The seven maps share the one forward pass,
  where pytorch-grad-cam would repeat it per target.
* ``grad-cam-min``: the cheapest Grad-CAM: ``torch.autograd.grad`` to the layer4
  output alone, so autograd skips every backbone weight gradient. For this model the
  path from a head to layer4's output is only pooling, so the forward pass that
  records the graph is most of the cost.

Usage::

    python -m benchmarks.heatmap_cost [--batch-sizes 1 8] [--repeats 7]
        [--device cpu|cuda] [--model DIR]
"""

from __future__ import annotations

import argparse
import sys

import torch
from torch.nn import functional

from artcomp_gui.model import AttributeModel
from artcomp_gui.model.backbone import forward_taps
from artcomp_gui.model.features import compute_features
from benchmarks.timing import alternate, busy_cores_text, describe_machine, synchronize
from benchmarks.workloads import (
    add_model_arguments,
    benchmark_model,
    load_batch,
    sample_paintings,
)

GOAL = 7.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_model_arguments(parser)
    parser.add_argument(
        "--batch-sizes",
        type=int,
        nargs="+",
        default=[1, 8],
        help="batch sizes to compare (default 1 8)",
    )
    parser.add_argument(
        "--repeats", type=int, default=7, help="timed rounds per batch size"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch CPU threads (default: torch's default, one per core)",
    )
    parser.add_argument(
        "--warmup", type=int, default=1, help="untimed rounds per batch size"
    )
    return parser.parse_args(argv)


def grad_cam(
    model: AttributeModel, batch: torch.Tensor, full_backward: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    """Compute Grad-CAM on layer4's output for every head, one backward pass each.

    Args:
        model: the attribute model.
        batch: N x 3 x H x W normalised images.
        full_backward: run ``Tensor.backward``, which also computes every backbone
            weight gradient, as pytorch-grad-cam does. False requests the layer4
            gradient only, from ``torch.autograd.grad``.

    Returns:
        Pre-activations N x A and Grad-CAM maps N x A x h x w on the last-stage grid.
    """
    images = batch.to(model.device).contiguous(memory_format=torch.channels_last)
    with torch.enable_grad():
        taps = forward_taps(model.backbone, images)
        last = taps[-1]
        captured: list[torch.Tensor] = []
        if full_backward:
            last.register_hook(captured.append)
        features = compute_features(taps, model.card.design)
        pre_activation = model.heads(features.vector)

        maps = []
        count = pre_activation.shape[1]
        for head in range(count):
            target = pre_activation[:, head].sum()
            keep_graph = head < count - 1
            if full_backward:
                model.zero_grad(set_to_none=True)
                target.backward(retain_graph=keep_graph)
                gradient = captured.pop()
            else:
                (gradient,) = torch.autograd.grad(target, last, retain_graph=keep_graph)
            channel_weight = gradient.mean(dim=(-2, -1), keepdim=True)
            maps.append(functional.relu((channel_weight * last).sum(dim=1)))
    return pre_activation.detach(), torch.stack(maps, dim=1).detach()


def time_batch_size(
    model: AttributeModel, batch: torch.Tensor, args: argparse.Namespace
) -> None:
    device = model.device

    def ours() -> None:
        model.predict_batch(batch)

    def cam_full() -> None:
        _, maps = grad_cam(model, batch, full_backward=True)
        maps.cpu()
        synchronize(device)

    def cam_min() -> None:
        _, maps = grad_cam(model, batch, full_backward=False)
        maps.cpu()
        synchronize(device)

    timings = alternate(
        {"ours": ours, "grad-cam": cam_full, "grad-cam-min": cam_min},
        repeats=args.repeats,
        warmup=args.warmup,
    )
    size = batch.shape[0]
    per_image = {name: timings.median(name) / size * 1000 for name in timings.times}
    print(
        f"batch {size}: per image ours {per_image['ours']:.1f} ms, "
        f"Grad-CAM {per_image['grad-cam']:.1f} ms, "
        f"Grad-CAM (layer4 gradient only) {per_image['grad-cam-min']:.1f} ms"
    )
    ratio = timings.ratio("grad-cam", "ours")
    verdict = "met" if ratio >= GOAL else "NOT met"
    print(
        f"  Grad-CAM / ours: {timings.ratio_text('grad-cam', 'ours')} "
        f"(goal >= {GOAL:g}: {verdict})"
    )
    print(
        "  Grad-CAM (layer4 gradient only) / ours: "
        f"{timings.ratio_text('grad-cam-min', 'ours')}"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    model = benchmark_model(args)
    # Parameters that require gradients make backward() compute every weight
    # gradient, as in a model that is not frozen. Inference never reads them.
    model.backbone.requires_grad_(True)
    print(describe_machine(model.device))
    print(f"model: {model.card.name}, design {model.card.design}")

    paths = sample_paintings(args.paintings, max(args.batch_sizes))
    full_batch = load_batch(paths, model.preprocess)
    print(f"input: {full_batch.shape[-1]}x{full_batch.shape[-2]} paintings")
    for size in args.batch_sizes:
        time_batch_size(model, full_batch[:size], args)
    print(f"cores busy after the run: {busy_cores_text()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
