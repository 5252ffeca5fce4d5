"""The converted ImageNet backbone: tensors match the Keras shards and it classifies."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision.models import ResNet50_Weights

from artcomp_gui.model.backbone import (
    TAP_CHANNELS,
    build_resnet50_v1,
    classify,
    forward_taps,
)
from artcomp_gui.model.preprocess import Preprocessor
from artcomp_gui.model.weights import (
    RESNET50_IMAGENET,
    WeightsError,
    bundled_weights_dir,
    load_verified,
)

FIXTURE = Path(__file__).parent / "fixtures" / "keras_resnet50_excerpt.npz"
CAFFE_MEAN_BGR = np.array([103.939, 116.779, 123.68])
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406])
IMAGENET_STD = np.array([0.229, 0.224, 0.225])
FLOAT16_TOLERANCE = {"rtol": 2e-3, "atol": 1e-4}


@pytest.fixture(scope="module")
def state() -> dict[str, torch.Tensor]:
    return load_verified(bundled_weights_dir(), RESNET50_IMAGENET)


@pytest.fixture(scope="module")
def keras() -> dict[str, np.ndarray]:
    return dict(np.load(FIXTURE))


@pytest.fixture(scope="module")
def backbone(state) -> torch.nn.Module:
    model = build_resnet50_v1()
    model.load_state_dict(state, strict=False)
    return model.eval()


def close(actual: torch.Tensor, expected: np.ndarray) -> None:
    np.testing.assert_allclose(actual.numpy(), expected, **FLOAT16_TOLERANCE)


def test_kernels_transposed_to_oihw(state, keras):
    close(
        state["layer2.0.conv1.weight"][:16, :16],
        keras["res3a_branch2a/kernel[:, :, :16, :16]"].transpose(3, 2, 0, 1),
    )
    close(
        state["layer1.1.conv2.weight"][:8, :8],
        keras["res2b_branch2b/kernel[:, :, :8, :8]"].transpose(3, 2, 0, 1),
    )
    close(
        state["layer4.2.conv3.weight"][:64, :8],
        keras["res5c_branch2c/kernel[:, :, :8, :64]"].transpose(3, 2, 0, 1),
    )


def test_dense_kernel_transposed(state, keras):
    close(state["fc.weight"][:32, :64], keras["fc1000/kernel[:64, :32]"].T)
    close(state["fc.bias"], keras["fc1000/bias"])


def test_conv_bias_folded_into_batch_norm(state, keras):
    expected_mean = keras["bn3a_branch2a/moving_mean"] - keras["res3a_branch2a/bias"]
    close(state["layer2.0.bn1.running_mean"], expected_mean)
    close(state["layer2.0.bn1.weight"], keras["bn3a_branch2a/gamma"])
    close(state["layer2.0.bn1.bias"], keras["bn3a_branch2a/beta"])
    expected_mean = keras["bn5c_branch2c/moving_mean"] - keras["res5c_branch2c/bias"]
    close(state["layer4.2.bn3.running_mean"], expected_mean)


def test_batch_norm_eps_folded(state, keras):
    expected_var = keras["bn5c_branch2c/moving_variance"] + 1e-3 - 1e-5
    close(state["layer4.2.bn3.running_var"], expected_var)
    expected_var = keras["bn4a_branch1/moving_variance"] + 1e-3 - 1e-5
    close(state["layer3.0.downsample.1.running_var"], expected_var)


def test_caffe_preprocessing_folded_into_conv1(state, keras):
    kernel_bgr = keras["conv1/kernel"].transpose(3, 2, 0, 1).astype(np.float64)
    kernel_rgb = kernel_bgr[:, ::-1]
    expected = kernel_rgb * (255 * IMAGENET_STD)[None, :, None, None]
    close(state["conv1.weight"], expected)

    shift = 255 * IMAGENET_MEAN - CAFFE_MEAN_BGR[::-1]
    offset = (kernel_rgb * shift[None, :, None, None]).sum(axis=(1, 2, 3))
    expected_mean = keras["bn_conv1/moving_mean"] - keras["conv1/bias"] - offset
    close(state["bn1.running_mean"], expected_mean)


def test_conv1_matches_keras_on_interior(state, keras):
    rng = np.random.default_rng(0)
    rgb = rng.uniform(0, 1, size=(3, 32, 32))
    caffe = (255 * rgb[::-1]) - CAFFE_MEAN_BGR[:, None, None]
    keras_kernel = torch.from_numpy(keras["conv1/kernel"].transpose(3, 2, 0, 1).copy())
    keras_out = torch.nn.functional.conv2d(
        torch.from_numpy(caffe.copy()).float()[None],
        keras_kernel,
        torch.from_numpy(keras["conv1/bias"]),
    )

    normalised = (rgb - IMAGENET_MEAN[:, None, None]) / IMAGENET_STD[:, None, None]
    ours = torch.nn.functional.conv2d(
        torch.from_numpy(normalised).float()[None], state["conv1.weight"]
    )
    folded_bias = keras["bn_conv1/moving_mean"] - state["bn1.running_mean"].numpy()
    np.testing.assert_allclose(
        ours.numpy() + folded_bias[None, :, None, None],
        keras_out.numpy(),
        rtol=5e-3,
        atol=0.5,
    )


def test_v1_stride_on_first_convolution():
    model = build_resnet50_v1()
    for stage in (model.layer2, model.layer3, model.layer4):
        assert stage[0].conv1.stride == (2, 2)
        assert stage[0].conv2.stride == (1, 1)
    assert model.layer1[0].conv1.stride == (1, 1)


def test_taps_shapes(backbone):
    with torch.inference_mode():
        taps = forward_taps(backbone, torch.zeros(1, 3, 224, 320))
    assert len(taps) == 16
    assert [tap.shape[1] for tap in taps] == list(TAP_CHANNELS)
    assert taps[0].shape[-2:] == (56, 80)
    assert taps[-1].shape[-2:] == (7, 10)
    assert all((tap >= 0).all() for tap in taps)


@pytest.mark.parametrize(
    ("photo", "classes"),
    [
        ("2gFS0n8m.jpg", range(281, 286)),  # domestic cat
        ("6kP57qHA.jpg", range(281, 286)),  # domestic cat
        ("1592.jpg", [107]),  # jellyfish
        ("5s8Zp8UX.jpg", [985]),  # daisy
        ("4542.jpg", [483]),  # castle
    ],
)
def test_imagenet_class_in_top5(backbone, photos_dir, photo, classes):
    image = Image.open(photos_dir / photo).convert("RGB")
    batch = Preprocessor()(image)[None]
    with torch.inference_mode():
        top5 = classify(backbone, batch).topk(5).indices[0].tolist()
    names = [ResNet50_Weights.IMAGENET1K_V1.meta["categories"][i] for i in top5]
    assert set(top5) & set(classes), f"{photo}: top 5 is {names}"


def test_sha256_mismatch_rejected(tmp_path):
    source = bundled_weights_dir() / RESNET50_IMAGENET.file
    damaged = tmp_path / RESNET50_IMAGENET.file
    data = bytearray(source.read_bytes())
    data[-1] ^= 0xFF
    damaged.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="sha256"):
        load_verified(tmp_path, RESNET50_IMAGENET)


def test_pickle_weights_rejected(tmp_path):
    record = RESNET50_IMAGENET.__class__(file="backbone.pth", sha256="0" * 64)
    (tmp_path / "backbone.pth").write_bytes(b"not read")
    with pytest.raises(WeightsError, match="safetensors"):
        load_verified(tmp_path, record)
