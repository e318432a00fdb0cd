"""The lecture slides' worked examples, as read-only float64 arrays.

Every array here is copied by hand from the final frames of the lecture's animations
(/work/shared/slides/000_3ede5f6202d0bd00.txt: the convolution, zero-padding and
max-pooling sequences), not computed: the earlier frames of an animation show partial
outputs and the filter drawn over the image, so only the last frame of each is the source.

The public tests (``tests/test_*.py``) take the slides' examples from here. They are
deliberately independent of the exercise modules' own provided constants (such as
``SLIDE_IMAGE`` and ``FILTERS`` in ``solutions/convolution.py``): a public test compares
those against the arrays here, so neither is derived from the other. Values a test works
out by hand that are not on the slides stay in that test file.

The arrays are read-only, so that no test can change them for the tests after it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "BOX_BLUR",
    "BOX_BLUR_OUT",
    "HORIZONTAL_EDGE",
    "HORIZONTAL_EDGE_OUT",
    "IDENTITY",
    "IDENTITY_OUT",
    "LAPLACIAN",
    "ONES",
    "ONES_OUT",
    "RELU_EDGES",
    "RELU_EDGES_POOLED",
    "SLIDE_IMAGE",
    "SLIDE_IMAGE_PADDED",
]


def _read_only(values: ArrayLike) -> np.ndarray:
    """A float64 copy of ``values`` that raises if anything tries to write into it."""
    arr = np.array(values, dtype=np.float64)
    arr.flags.writeable = False
    return arr


# ---------------------------------------------------------------- the input image

# "Input image": 7x7, single channel.
SLIDE_IMAGE = _read_only(
    [
        [0, 0, 0, 0, 0, 0, 0],
        [0, 0, 1, 1, 1, 0, 0],
        [0, 1, 1, 1, 1, 1, 0],
        [0, 1, 1, 1, 0, 0, 0],
        [0, 1, 1, 1, 1, 1, 0],
        [0, 0, 1, 1, 1, 0, 0],
        [0, 0, 0, 0, 0, 0, 0],
    ]
)

# "If you want output size to be same as input, pad 0's to input": SLIDE_IMAGE with one
# zero on every side (9x9).
SLIDE_IMAGE_PADDED = _read_only(
    [
        [0, 0, 0, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, 1, 1, 1, 0, 0, 0],
        [0, 0, 1, 1, 1, 1, 1, 0, 0],
        [0, 0, 1, 1, 1, 0, 0, 0, 0],
        [0, 0, 1, 1, 1, 1, 1, 0, 0],
        [0, 0, 0, 1, 1, 1, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0, 0, 0],
    ]
)

# ---------------------------------------------------------------- the 3x3 filters

IDENTITY = _read_only([[0, 0, 0], [0, 1, 0], [0, 0, 0]])
ONES = _read_only(np.ones((3, 3)))
BOX_BLUR = _read_only(np.ones((3, 3)) / 9)  # "Blurring an image": 1/9 in every cell
HORIZONTAL_EDGE = _read_only([[-1, -1, -1], [2, 2, 2], [-1, -1, -1]])  # "finds horizontal edges"
LAPLACIAN = _read_only([[0, -1, 0], [-1, 4, -1], [0, -1, 0]])  # shown without its output

# ---------------------------------------------------------------- SLIDE_IMAGE * filter (5x5)

# "Output image" of each filter on SLIDE_IMAGE, no padding: (7 - 3) + 1 = 5.
IDENTITY_OUT = _read_only(
    [
        [0, 1, 1, 1, 0],
        [1, 1, 1, 1, 1],
        [1, 1, 1, 0, 0],
        [1, 1, 1, 1, 1],
        [0, 1, 1, 1, 0],
    ]
)
ONES_OUT = _read_only(
    [
        [3, 5, 6, 5, 3],
        [5, 8, 8, 6, 3],
        [6, 9, 8, 7, 4],
        [5, 8, 8, 6, 3],
        [3, 5, 6, 5, 3],
    ]
)
BOX_BLUR_OUT = _read_only(ONES_OUT / 9)  # the slides write it as 1/9 times ONES_OUT
HORIZONTAL_EDGE_OUT = _read_only(
    [
        [0, 1, 3, 1, 0],
        [1, 1, 1, 3, 3],
        [0, 0, -2, -4, -4],
        [1, 1, 1, 3, 3],
        [0, 1, 3, 1, 0],
    ]
)

# ---------------------------------------------------------------- ReLU and max pooling

# "Output image after ReLU": HORIZONTAL_EDGE_OUT with its negative third row set to zeros.
RELU_EDGES = _read_only(
    [
        [0, 1, 3, 1, 0],
        [1, 1, 1, 3, 3],
        [0, 0, 0, 0, 0],
        [1, 1, 1, 3, 3],
        [0, 1, 3, 1, 0],
    ]
)
# "Output after max pooling": RELU_EDGES pooled in 2x2 windows with stride 2.
RELU_EDGES_POOLED = _read_only([[1, 3], [1, 3]])
