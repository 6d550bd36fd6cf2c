"""The knobs of each trainer family, with defaults that finish in seconds on a laptop CPU.

Imported by the app at start-up: pydantic only, no torch, mlx or numpy.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from trainers.api import TrainConfig

# The names in trainers.data.DATASETS (a test keeps the two in step).
DatasetName = Literal["digits", "mnist", "fashion-mnist", "cifar10", "synthetic-cifar"]
# The MLP keeps to the grey-scale sets it was written for.
MLPDatasetName = Literal["digits", "mnist", "fashion-mnist"]
Width = Annotated[int, Field(ge=1, le=16384)]


class MLPConfig(TrainConfig):
    """A multi-layer perceptron: pixels -> [Linear -> ReLU] x len(hidden) -> 10 classes.

    On `digits` the defaults reach about 96% test accuracy in 10 epochs: well under a
    second of CPU with torch, a few seconds with MLX's Linux CPU build.
    """

    dataset: MLPDatasetName = Field("digits", description="digits (bundled, offline), mnist or fashion-mnist (run `tutor data fetch NAME` first)")
    hidden: list[Width] = Field([128], min_length=1, max_length=8, description="width of each hidden layer, e.g. [256, 128]")
    epochs: int = Field(10, ge=1, le=1000, description="passes over the training set")
    batch_size: int = Field(64, ge=1, le=65536, description="samples per step")
    lr: float = Field(3e-3, gt=0, le=10, description="Adam learning rate")
    val_fraction: float = Field(0.1, gt=0, lt=1, description="share of the training files held out for validation")
    log_every: int = Field(10, ge=1, description="steps between reading the loss back from the device")


class CNNConfig(TrainConfig):
    """A small convolutional network, the same in both frameworks:

        image -> [conv3x3 -> ReLU -> conv3x3 -> ReLU -> maxpool 2x2] x len(channels)
              -> flatten -> Linear(hidden) -> ReLU -> Linear -> 10 class scores

    Every convolution pads by one pixel, so only the pooling shrinks the image: two
    blocks take digits 8x8 -> 2x2, MNIST 28x28 -> 7x7, CIFAR-10 32x32 -> 8x8.

    On `digits` the defaults reach 93-97% test accuracy in 8 epochs: under a second of
    training with torch on one CPU thread, about 7 s with MLX's Linux CPU build.
    Augmentation does not pay on digits in so few epochs (they are centred already,
    and 8 pixels leave little room to move); it is meant for cifar10 and longer runs.
    """

    dataset: DatasetName = Field(
        "digits",
        description="digits (bundled, offline), mnist, fashion-mnist or cifar10 (run `tutor data fetch NAME` first); "
        "synthetic-cifar is random CIFAR-shaped images for benchmarks only, not CIFAR-10",
    )
    channels: list[Width] = Field([16, 32], min_length=1, max_length=4, description="output channels of each conv block (two 3x3 convolutions, then a 2x2 max-pool)")
    hidden: Width = Field(64, description="width of the fully connected layer before the 10 class scores")
    augment: bool = Field(False, description="random crops (zero padding, then shifted back to size) each step; horizontal flips too where a mirrored image keeps its class (cifar10)")
    crop_padding: int = Field(0, ge=0, le=8, description="pixels of padding for the random crops; 0: an eighth of the image side (1 for 8x8, 3 for 28x28, 4 for 32x32)")
    epochs: int = Field(8, ge=1, le=1000, description="passes over the training set")
    batch_size: int = Field(64, ge=1, le=65536, description="samples per step")
    lr: float = Field(3e-3, gt=0, le=10, description="Adam learning rate")
    val_fraction: float = Field(0.1, gt=0, lt=1, description="share of the training files held out for validation")
    log_every: int = Field(10, ge=1, description="steps between reading the loss back from the device")
