"""The feedback of check_array/check_scalar: type, then shape, then values."""

from __future__ import annotations

import numpy as np
import pytest

from deepgrade.feedback import check_array, check_scalar


def test_matching_arrays_pass():
    check_array(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-12]))


def test_wrong_type_is_named_first():
    with pytest.raises(AssertionError, match="should be a numpy array.*got list"):
        check_array([1.0, 2.0], np.array([1.0, 2.0]))


def test_ndarray_subclass_is_not_an_array():
    with pytest.raises(AssertionError, match="should be a numpy array"):
        check_array(np.ma.masked_array([1.0]), np.array([1.0]))


def test_integer_output_where_floats_are_expected():
    with pytest.raises(AssertionError, match="float array.*int64"):
        check_array(np.array([1, 2]), np.array([1.0, 2.0]))


def test_shape_mismatch_shows_both_shapes_and_the_rule():
    with pytest.raises(AssertionError, match=r"shape \(4, 4\), expected \(5, 5\).*rule gives 5"):
        check_array(np.zeros((4, 4)), np.zeros((5, 5)), shape_rule="5")


def test_value_mismatch_locates_the_first_difference():
    expected = np.arange(16.0).reshape(4, 4)
    got = expected.copy()
    got[2, 1] += 0.5
    got[3, 3] = np.nan
    with pytest.raises(AssertionError) as info:
        check_array(got, expected, what="conv2d(x, k)")
    message = str(info.value)
    assert "conv2d(x, k) differs" in message
    assert "at 2 of 16 positions; first at index (2, 1): got 9.5, expected 9.0" in message
    assert "max absolute error 0.5" in message
    assert "1 of your values are NaN or inf" in message
    assert "yours | expected" in message


def test_numbers_get_the_digits_that_tell_them_apart():
    with pytest.raises(AssertionError, match=r"x is 1\.0000001, expected 1\.0 "):
        check_scalar(1.0000001, 1.0, rtol=1e-9, atol=0, what="x")
    with pytest.raises(
        AssertionError, match=r"first at index \(0,\): got 0\.333333, expected 0\.5"
    ):
        check_array(np.array([1 / 3]), np.array([0.5]))


def test_only_nan_mismatches_say_so_instead_of_an_error_of_zero():
    with pytest.raises(AssertionError) as info:
        check_array(np.array([1.0, np.nan]), np.array([1.0, 2.0]))
    assert "every mismatch is a NaN or inf" in str(info.value)
    assert "max absolute error 0" not in str(info.value)


@pytest.mark.parametrize(
    ("shape", "at", "label"),
    [
        ((7, 9), (5, 8), "[4:7, 6:9]"),  # (H, W): around the mismatch, clipped at the edges
        ((6, 5, 3), (2, 3, 1), "[1:4, 2:5, 1]"),  # (H, W, d): height and width of channel d
        ((2, 6, 5, 4), (1, 0, 4, 2), "[1, 0:3, 2:5, 2]"),  # (N, H, W, d): image n, channel d
        ((5,), (0,), "[0:3]"),
        ((2, 2), (1, 1), "[0:2, 0:2]"),  # the bounds of what is shown, not of the window
    ],
)
def test_the_slice_runs_over_height_and_width_of_one_channel(shape, at, label):
    expected = np.arange(float(np.prod(shape))).reshape(shape)
    got = expected.copy()
    got[at] += 100.0
    with pytest.raises(AssertionError) as info:
        check_array(got, expected)
    lines = str(info.value).splitlines()
    assert lines[2] == f"slice {label}, yours | expected:"
    rows = min(3, shape[0] if len(shape) < 4 else shape[1]) if len(shape) > 1 else 1
    assert len(lines) == 3 + rows
    for line in lines[3:]:  # both halves on every line: a line limit cannot cut one off
        left, right = line.split("  |  ")
        assert left.strip() and right.strip()
    assert f"{got[at]:.0f}." in "\n".join(lines[3:])


def test_the_whole_message_fits_the_reports_line_limit():
    from autograder.grading.reports import MAX_FEEDBACK_LINES

    expected = np.arange(60.0).reshape(3, 4, 5)
    with pytest.raises(AssertionError) as info:
        check_array(expected + np.nan, expected)
    assert len(str(info.value).splitlines()) <= MAX_FEEDBACK_LINES


def test_float32_results_are_named():
    from deepgrade.evidence import evidence_of

    expected = np.linspace(0.1, 2.0, 7)
    with pytest.raises(AssertionError, match="has dtype float32") as info:
        check_array(expected.astype(np.float32), expected)
    assert evidence_of(info.value)[0]["name"] == "float32 arithmetic"
    x = np.linspace(0.1, 2.0, 2000)  # summed in float32, returned as float64
    with pytest.raises(AssertionError) as info:
        check_array(np.cumsum(x.astype(np.float32)).astype(np.float64), np.cumsum(x))
    assert any(e.get("name") == "float32 arithmetic" for e in evidence_of(info.value))


def _evidence(got, expected, mistakes, what="x"):
    """The evidence of the catalogue (not the generic observations) of a failed check."""
    from deepgrade.evidence import evidence_of

    with pytest.raises(AssertionError) as info:
        check_array(np.asarray(got, dtype=float), np.asarray(expected, dtype=float), what=what,
                    mistakes=mistakes)  # fmt: skip
    return [e for e in evidence_of(info.value) if e["kind"] == "compared"]


def test_a_failed_check_carries_which_mistakes_reproduce_its_output():
    from deepgrade.feedback import Mistake

    expected = np.arange(9.0).reshape(3, 3)
    flipped = expected[::-1, ::-1].copy()
    mistakes = [
        Mistake("transposed", "you swapped rows and columns", lambda: expected.T),
        Mistake("flipped kernel", "your kernel is flipped", lambda: flipped),
        Mistake("broken", "cannot be produced here", lambda: 1 / 0),
    ]
    (item,) = _evidence(flipped, expected, mistakes)
    assert item["matched"] == [["flipped kernel", "your kernel is flipped"]]
    assert item["ruled_out"] == ["transposed", "only zeros"]  # "broken" was not tried
    with pytest.raises(AssertionError) as info:
        check_array(flipped, expected, mistakes=mistakes)
    assert "Likely mistake" not in str(info.value)  # names come from all checks together


def test_a_name_needs_several_inputs_and_nothing_against_it():
    from deepgrade.evidence import likely_mistake
    from deepgrade.feedback import Mistake

    def flip(x):
        return [
            Mistake("flipped", "flipped!", lambda: x[::-1]),
            Mistake("zero", "0", lambda: 0 * x),
        ]

    a, b, c = np.array([1.0, 2.0, 3.0]), np.array([4.0, 6.0, 5.0]), np.array([7.0, 9.0, 8.0])
    one = _evidence(a[::-1], a, flip(a), "f(a)")
    assert likely_mistake(one) == ""  # one input: a coincidence is possible
    assert likely_mistake(one + one) == ""  # the same input twice is still one
    two = one + _evidence(b[::-1], b, flip(b), "f(b)")
    assert likely_mistake(two) == "Likely mistake (flipped): flipped!"
    against = two + _evidence(c + 1, c, flip(c), "f(c)")  # tried on c, and wrong there
    assert likely_mistake(against) == ""
    # two catalogued mistakes that give the same output on an input: no vote for either
    same = [Mistake("flipped", "flipped!", lambda: a[::-1]), Mistake("other", "?", lambda: a[::-1])]
    assert likely_mistake(one + _evidence(a[::-1], a, same, "g(a)")) == ""


def test_a_size_rule_mistake_matches_a_shape_only_when_no_value_mistake_does():
    from deepgrade.evidence import likely_mistake
    from deepgrade.feedback import Mistake

    def rules(x, wide):
        return [
            Mistake("square", "square!", lambda: np.zeros((3, 3)), shape_only=True),
            Mistake("wide", "wide!", lambda: np.zeros((3, wide)), shape_only=True),
            Mistake("doubled", "twice", lambda: 2 * x[:, :3]),
        ]

    x = np.arange(12.0).reshape(3, 4) + 1
    (item,) = _evidence(np.full((3, 3), 7.0), x, rules(x, 5), "f(x)")
    assert item["matched"] == [["square", "square!"]]  # any values of its shape
    assert {"wide", "doubled"} <= set(item["ruled_out"])
    (item,) = _evidence(2 * x[:, :3], x, rules(x, 5), "f(x)")
    assert item["matched"] == [["doubled", "twice"]]  # the values say more than a size
    assert "square" not in item["ruled_out"]  # and the size rule is not ruled out by it
    (item,) = _evidence(np.zeros((3, 5)), x, rules(x, 4), "f(x)")  # "wide" gives x's shape:
    assert "wide" not in item["ruled_out"] + [m[0] for m in item["matched"]]  # not tried
    assert item["matched"] == []
    y = x + 10
    two = _evidence(np.ones((3, 3)), x, rules(x, 5), "f(x)") + _evidence(
        np.ones((3, 3)), y, rules(y, 5), "f(y)"
    )
    assert likely_mistake(two) == "Likely mistake (square): square!"


def test_size_rules_name_the_argument_of_the_other_axis_or_the_rounding():
    from autograder.suites.support import size_rule_mistakes

    def shapes(expected_shape, *args, **kwargs):
        right = lambda: np.zeros(expected_shape)  # noqa: E731
        return {m.name: m.produce().shape for m in size_rule_mistakes(right, *args, **kwargs)}

    # x (7, 9), kernel (2, 4): (6, 6) expected
    got = shapes((6, 6), (0, 1), (7, 9), (2, 4), (0, 0), (1, 1))
    assert got["output width from the kernel's height"] == (6, 8)
    assert got["output height from the kernel's width"] == (4, 6)
    assert got["output width from the image's height"] == (6, 4)
    assert "output width set to its height" not in got  # (6, 6) is the expected shape
    # a square window and stride: the width from the image's height is a square output
    got = shapes((3, 4), (0, 1), (7, 9), (3, 3), (0, 0), (2, 2), window="window")
    assert got["output width set to its height"] == (3, 3)
    assert "output width from the image's height" not in got
    # (10 - 2) / 3 = 2.67: floored 3, rounded 4; a batch (N, H', W', k)
    got = shapes((2, 3, 3, 5), (1, 2), (10, 10), (2, 2), (0, 0), (3, 3))
    assert got == {"output size rounded, not floored": (2, 4, 4, 5)}
    assert shapes((2, 3, 3, 5), (1, 2), (9, 9), (3, 3), (0, 0), (3, 3)) == {}  # whole
    # pooled (2, 8, 7, 3) by 2: (2, 4, 3, 3), with the width from the 3 channels: (2, 4, 1, 3)
    got = shapes((2, 4, 3, 3), (1, 2), (8, 7), (2, 2), (0, 0), (2, 2), channels=3)
    assert got["output width from the channel count"] == (2, 4, 1, 3)


def test_an_observation_is_named_when_no_catalogued_mistake_is():
    from deepgrade.evidence import finding, found, likely_mistake, observed

    items = [found("numpy warning", "overflow"), found("input modified in place", "x changed")]
    items.append(found("input modified in place", "x changed, in words of the hidden check"))
    general = [observed("transposed", "rows and columns swapped")] * 5
    assert likely_mistake(general + items) == (  # a check's own finding says more
        "Mistake (input modified in place): x changed, in words of the hidden check"
    )
    assert likely_mistake(general) == "Mistake (transposed): rows and columns swapped"
    assert str(finding("numpy warning", "it warned")) == "it warned"


def test_shape_and_scalar_failures_carry_evidence_too():
    from deepgrade.evidence import evidence_of
    from deepgrade.feedback import Mistake

    wrong_axis = Mistake("wrong axis", "you pooled over the channels", lambda: np.zeros((2, 2)))
    with pytest.raises(AssertionError, match=r"shape \(2, 2\), expected \(2, 2, 3\)") as info:
        check_array(np.zeros((2, 2)), np.zeros((2, 2, 3)), mistakes=[wrong_axis])
    assert evidence_of(info.value)[0]["matched"][0][0] == "wrong axis"
    summed = Mistake("summed", "the loss must be averaged", lambda: 6.0)
    with pytest.raises(AssertionError, match="is 6.0, expected 2.0") as info:
        check_scalar(6.0, 2.0, mistakes=[summed])
    assert evidence_of(info.value)[0]["matched"][0][0] == "summed"


def test_expect_array_and_items_check_before_anything_is_computed():
    from deepgrade.feedback import expect_array, expect_items

    with pytest.raises(AssertionError, match=r"path has shape \(\), expected \(8,\)"):
        expect_array(np.array(3.0), what="path", shape=(8,))
    with pytest.raises(AssertionError, match="should be a numpy array"):
        expect_array(3.0, what="path")
    with pytest.raises(
        AssertionError, match="should return a pair \\(h, c\\) of 2 values, got list of 3"
    ):
        expect_items([1, 2, 3], 2, what="lstm_cell", kind="a pair (h, c)")
    assert expect_items((1, 2), 2) == (1, 2)


def test_call_without_warnings_names_the_warning():
    import warnings

    from deepgrade.evidence import evidence_of
    from deepgrade.feedback import call_without_warnings

    def noisy(x):
        warnings.warn("overflow encountered in exp", RuntimeWarning, stacklevel=1)
        return x

    with pytest.raises(AssertionError, match="RuntimeWarning: overflow encountered in exp") as info:
        call_without_warnings(noisy, 1.0, what="sigmoid(x)")
    assert evidence_of(info.value)[0]["name"] == "numpy warning"
    assert call_without_warnings(lambda x: 2 * x, 1.0, what="twice") == 2.0


def test_a_warnings_check_reads_the_values_first():
    import warnings

    from deepgrade.evidence import evidence_of
    from deepgrade.feedback import Mistake, call_without_warnings, check_array

    def noisy(x, result):
        warnings.warn("overflow encountered in exp", RuntimeWarning, stacklevel=1)
        return result

    naive = Mistake("no max shift", "exp overflowed", lambda: np.array([np.nan, 1.0]))

    def values(got):
        check_array(got, np.array([0.0, 1.0]), what="sigmoid(±1000)", mistakes=[naive])

    with pytest.raises(AssertionError) as wrong:  # wrong values: told as values, and the warning
        call_without_warnings(noisy, 1.0, np.array([np.nan, 1.0]), what="f", check=values)
    kinds = {(item["kind"], item.get("name")) for item in evidence_of(wrong.value)}
    assert ("found", "numpy warning") in kinds and ("compared", None) in kinds
    assert str(wrong.value).startswith("sigmoid(±1000) differs") and "it also raised" in str(
        wrong.value
    )
    matched = [i["matched"] for i in evidence_of(wrong.value) if i["kind"] == "compared"]
    assert matched == [[["no max shift", "exp overflowed"]]]
    with pytest.raises(AssertionError, match="raised a warning") as right:  # right values
        call_without_warnings(noisy, 1.0, np.array([0.0, 1.0]), what="f", check=values)
    assert [i["name"] for i in evidence_of(right.value)] == ["numpy warning"]
    with pytest.raises(AssertionError) as quiet:  # no warning: the values' own failure
        call_without_warnings(lambda: np.array([0.5, 1.0]), what="f", check=values)
    assert "warning" not in str(quiet.value)


def test_a_warning_gets_the_advice_of_where_it_comes_from():
    from deepgrade.feedback import NO_OVERFLOW, call_without_warnings

    def stable_then_log(z):  # already subtracts the maximum; log of an underflowed 0
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return -np.log(e / e.sum(axis=1, keepdims=True))

    def overflowing(z):
        return np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)

    def divided_by_zero(z):
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    cases = [
        (stable_then_log, np.array([[1000.0, -1000.0]]), "log got 0"),
        (overflowing, np.array([[1000.0, 0.0]]), NO_OVERFLOW),
        (divided_by_zero, np.array([[-1000.0, -1001.0]]), "a division by 0"),
    ]
    for function, logits, words in cases:
        with pytest.raises(AssertionError) as info:
            call_without_warnings(function, logits, what="f")
        assert words in str(info.value), str(info.value)
    with pytest.raises(AssertionError) as info:
        call_without_warnings(stable_then_log, np.array([[1000.0, -1000.0]]), what="f")
    assert "subtract the maximum first" not in str(info.value)  # it already does


def test_check_inputs_unchanged_names_the_modified_argument():
    from deepgrade.feedback import check_inputs_unchanged

    class Impl:
        def with_inputs(self, name):
            def call(x, y, scale=None):
                x[0] = -1.0  # in place
                return x + y, (x, y), {"scale": scale}

            return call

    x, y = np.array([1.0, 2.0]), np.array([3.0])
    with pytest.raises(AssertionError, match="relu modified its input x in place"):
        check_inputs_unchanged(Impl(), "relu", x, y, names=("x", "y"), scale=2.0)

    class Honest:
        def with_inputs(self, name):
            return lambda x, params: (2 * x, (x, params), {})

    params = {"w": np.array([2.0])}
    out = check_inputs_unchanged(Honest(), "double", np.array([1.0]), params)
    np.testing.assert_array_equal(out, [2.0])


@pytest.mark.parametrize(
    ("got", "name", "words"),
    [
        (lambda e: -e, "sign flipped", "minus the expected"),
        (lambda e: 0.25 * e, "scaled by a constant", "0.25 times the expected one (1/4 of it)"),
        (lambda e: e + 1.5, "off by a constant", "off by the same 1.5"),
        (lambda e: e.T, "transposed", "rows and columns swapped"),
        (lambda e: e[::-1, ::-1], "rotated by 180 degrees", "rotated by 180"),
        (lambda e: e[::-1], "reversed along an axis", "reversed along axis 0"),
        (lambda e: np.roll(e, 1), "values in the wrong places", "exactly the expected values"),
        (lambda e: np.where(e > 10, 0.0, e), "positions left at 0", "where it is 0"),
        (lambda e: np.where(e % 4 == 0, np.nan, e), "NaN or inf", "NaN or inf at"),
    ],
)
def test_a_wrong_output_says_what_it_shows_without_a_catalogue(got, name, words):
    from deepgrade.evidence import evidence_of

    expected = np.arange(1.0, 17.0).reshape(4, 4)
    with pytest.raises(AssertionError) as info:
        check_array(got(expected), expected)
    (seen,) = [e for e in evidence_of(info.value) if e["kind"] == "observed"]
    assert seen["name"] == name and words in seen["explanation"]


def test_a_wrong_shape_is_observed_and_a_single_number_says_no_ratio():
    from deepgrade.evidence import evidence_of

    expected = np.arange(25.0).reshape(5, 5)
    for got, name in (
        (np.zeros((5, 5, 1)), "axis of size 1"),
        (np.zeros((4, 4)), "wrong size along an axis"),
        (np.zeros((25,)), "the right values count in another shape"),
        (np.zeros((5, 5)), None),  # the right shape: no shape observation
    ):
        with pytest.raises(AssertionError) as info:
            check_array(got + 1.0, expected)
        names = [e["name"] for e in evidence_of(info.value) if e["kind"] == "observed"]
        assert names == ([name] if name else names)
    with pytest.raises(AssertionError) as info:
        check_scalar(6.0, 2.0)  # 3 times? one number matches any ratio by chance
    assert not [e for e in evidence_of(info.value) if e["kind"] == "observed" and e["name"]]


def test_patterns_need_enough_distinct_values_to_mean_something():
    from deepgrade.evidence import evidence_of

    with pytest.raises(AssertionError) as info:
        check_array(np.array([0.2, -0.2]), np.array([-0.3, 0.3]))  # a two-class gradient
    assert not [e for e in evidence_of(info.value) if e["kind"] == "observed" and e["name"]]


def _observed_items(pairs, what="f"):
    """The evidence of check_array on each (got, expected) pair (distinct inputs)."""
    from deepgrade.evidence import evidence_of

    items = []
    for i, (got, expected) in enumerate(pairs):
        with pytest.raises(AssertionError) as info:
            check_array(np.asarray(got, dtype=float), np.asarray(expected, dtype=float),
                        what=f"{what}({i})")  # fmt: skip
        items += evidence_of(info.value)
    return items


def test_a_headline_states_a_constant_only_when_every_check_shows_that_constant():
    from deepgrade.evidence import headline
    from deepgrade.observations import holds

    a, b = np.arange(1.0, 10.0).reshape(3, 3), np.arange(2.0, 14.0).reshape(3, 4)
    same = headline(_observed_items([(a + 6, a), (b + 6, b)]))
    assert same.name == "off by a constant" and "the same 6" in same.text
    assert same.claim == {"offset": 6.0}
    differ = headline(_observed_items([(a + 6, a), (b + 4, b)]))  # a bias counted per weight
    assert differ.name == "off by a constant" and differ.claim is None
    assert "6" not in differ.text and "not the same amount on each" in differ.text
    assert holds("off by a constant", None, a + 6, a) and holds("off by a constant", None, b + 4, b)
    assert not holds("off by a constant", {"offset": 6.0}, b + 4, b)
    scaled = headline(_observed_items([(2 * a, a), (3 * b, b)]))
    assert scaled.claim is None and "times the expected one" in scaled.text
    assert "2 times" not in scaled.text


def test_a_shape_headline_says_what_every_check_shares_and_no_off_by_one_by_default():
    from deepgrade.evidence import headline
    from deepgrade.observations import holds

    def case(got_shape, want_shape):
        return np.ones(got_shape), np.arange(float(np.prod(want_shape))).reshape(want_shape)

    one = headline(_observed_items([case((4, 6), (4, 5)), case((3, 8), (3, 7))]))
    assert one.claim == {"off": [[-1, 1]]} and "one too long along axis -1" in one.text
    assert "off-by-one" not in one.text  # a fact, not a guess at its cause
    # one or two too long depending on the input (a width from the kernel's height)
    varies = headline(_observed_items([case((4, 6), (4, 5)), case((3, 9), (3, 7))]))
    assert varies.claim == {"longer": [-1], "shorter": []}
    assert "too long along axis -1" in varies.text and "one too long" not in varies.text
    for got, want in (case((4, 6), (4, 5)), case((3, 9), (3, 7))):
        assert holds(varies.name, varies.claim, got, want)
    assert not holds(one.name, one.claim, *case((3, 9), (3, 7)))
    mixed = headline(_observed_items([case((4, 6), (4, 5)), case((2, 7), (3, 7))]))
    assert mixed.claim is None and "too long" not in mixed.text


def test_a_headline_met_on_some_comparisons_only_says_on_how_many():
    from deepgrade.evidence import headline

    a, b, c = (np.arange(1.0, 10.0).reshape(3, 3) + k for k in range(3))
    line = headline(_observed_items([(a.T, a), (b.T, b), (c * c, c)]))
    assert line.name == "transposed" and line.text.startswith(
        "Mistake (transposed): on 2 of the 3 failed comparisons, your output is"
    )


def test_catalogued_words_that_differ_between_inputs_are_merged():
    from deepgrade.evidence import headline
    from deepgrade.feedback import Mistake

    def axis_mistake(x, axis):
        return [Mistake("wrong axis", f"normalised along axis {axis}, not 1", lambda: x[::-1])]

    a, b = np.array([1.0, 2.0, 3.0]), np.array([4.0, 6.0, 5.0])
    items = _evidence(a[::-1], a, axis_mistake(a, 0), "f(a)")
    items += _evidence(b[::-1], b, axis_mistake(b, 2), "f(b)")
    line = headline(items)
    assert line.text == (
        "Likely mistake (wrong axis): normalised along axis 0 (2 on another check), not 1"
    )
    assert len(line.inputs) == 2


def test_an_empty_crop_is_observed_as_such():
    from deepgrade.evidence import headline

    def case(got_shape, want_shape):
        return np.ones(got_shape), np.arange(float(np.prod(want_shape))).reshape(want_shape)

    line = headline(_observed_items([case((2, 0, 5), (2, 4, 5)), case((0, 3), (4, 3))]))
    assert line.name == "empty along an axis" and "x[p:-p] is empty when p is 0" in line.text
    assert line.claim == {"empty": [-2]}  # the rows of an image, batched or not
    other = headline(_observed_items([case((2, 0, 5), (2, 4, 5)), case((4, 0), (4, 3))]))
    assert other.claim is None and "along axis -" not in other.text


def test_an_array_where_a_number_is_expected_says_what_it_holds():
    from deepgrade.evidence import evidence_of, likely_mistake

    def failure(got):
        with pytest.raises(AssertionError) as info:
            check_scalar(got, 2.5, what="the loss")
        return info.value

    matrix = failure(np.full((3, 3), 2.5))  # a loss as a (C, C) matrix of the right value
    assert "got an array of shape (3, 3): every value is the expected 2.5" in str(matrix)
    assert likely_mistake(evidence_of(matrix)).startswith(
        "Mistake (an array for a single number): "
    )
    assert "reduce it to one number" in str(failure(np.arange(4.0)))
    assert "drop a keepdims=True" in str(failure(np.array([[2.5]])))
    check_scalar(np.array(2.5), 2.5, what="the loss")  # a 0-d array is a number


def test_cases_run_every_input_even_after_the_submission_raises():
    """An input on which the submission crashes does not hide what the others show: the
    check fails with the first failure (the crash) carrying every input's evidence."""
    from autograder.suites.support import Cases
    from deepgrade.evidence import evidence_of

    ran = []

    def crash():
        ran.append("crash")
        raise ValueError("operands could not be broadcast together")

    def wrong():
        ran.append("wrong")
        check_array(np.arange(4.0), np.arange(4.0) + 1, what="the second input")

    cases = Cases()
    cases.check(crash)
    cases.check(wrong)
    with pytest.raises(ValueError, match="broadcast") as info:
        cases.done()
    assert ran == ["crash", "wrong"]
    assert any(e.get("kind") == "observed" for e in evidence_of(info.value))
