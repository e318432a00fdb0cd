"""Capstone 2: a 1-D CNN and an LSTM on MNIST-1D with the same recipe, and which wins."""

from __future__ import annotations

from autograder.capstones.checks import Check, accuracy_check, model_check, run_result
from autograder.capstones.context import Context

NAME = "capstone_sequences"
MODELS = (("cnn", "build_sequence_cnn"), ("lstm", "build_sequence_lstm"))


def grade(context: Context, found: dict) -> list[Check]:
    entry, checks = context.config[NAME], []
    models = {key: model_check(found, fn, checks, f"{fn}()'s model") for key, fn in MODELS}
    findings = found.get("sequence_findings", {"error": "sequence_findings was not called"})
    runs = [
        {"name": key, "model": text, "recipe": entry["recipe"]}
        for key, text in models.items()
        if text is not None
    ]
    job = context.job(NAME, runs) if runs else None
    accuracy: dict[str, float] = {}
    for key, fn in MODELS:
        if models[key] is None:
            continue
        result, error = run_result(job, key)
        if error:
            checks.append(Check(fn, "test accuracy", 0.0, error))
            continue
        accuracy[key] = result["test_accuracy"]
        checks.append(
            accuracy_check(
                fn, "test accuracy", accuracy[key], entry["scored"][key], f"{key} test accuracy"
            )
        )
    context.measurements[NAME] = dict(accuracy)
    if accuracy:
        context.notes.append(
            f"{NAME}: test accuracy " + ", ".join(f"{k} {v:.3f}" for k, v in accuracy.items())
        )
    checks.extend(findings_checks(findings, accuracy, entry.get("tie_margin", 0.02)))
    return checks


def findings_checks(findings: dict, accuracy: dict, margin: float) -> list[Check]:
    """``sequence_findings``: a reason in words, and the winner the grader measured (a
    difference within ``margin`` is a tie, where either answer is right)."""
    fn = "sequence_findings"
    if "error" in findings:
        return [Check(fn, "findings", 0.0, findings["error"], gate=True)]
    value = findings["ok"]
    if type(value) is not dict or set(value) != {"winner", "reason"}:
        message = 'return {"winner": "cnn" or "lstm", "reason": "..."}'
        return [Check(fn, "findings", 0.0, message, gate=True)]
    checks = []
    reason = value["reason"]
    ok = type(reason) is str and 20 <= len(reason.strip()) <= 1500
    message = "" if ok else "give a reason of one or two sentences"
    checks.append(Check(fn, "reason", 1.0 if ok else 0.0, message, gate=True))
    winner = value["winner"]
    if winner not in ("cnn", "lstm"):
        checks.append(Check(fn, "winner", 0.0, f"winner must be 'cnn' or 'lstm', not {winner!r}"))
    elif len(accuracy) < 2:
        checks.append(Check(fn, "winner", 0.0, "both models must train to compare them"))
    else:
        measured = max(accuracy, key=accuracy.get)
        tie = abs(accuracy["cnn"] - accuracy["lstm"]) <= margin
        right = tie or winner == measured
        text = ", ".join(f"{k} {v:.3f}" for k, v in accuracy.items())
        message = "" if right else f"you say {winner!r} wins, the grader measured {text}"
        checks.append(Check(fn, "winner", 1.0 if right else 0.0, message))
    return checks
