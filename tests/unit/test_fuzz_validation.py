"""Fuzzing the validator's entry point: whatever the bytes, an answer, never a crash."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import compile_sources
from tests.unit.test_validation import APPROVAL, FORMS, RULES

SEED = APPROVAL.encode()


def _answers(content: bytes) -> None:
    result = compile_sources({"fuzz.bpmn": content}, FORMS, RULES)
    assert result.ok or all(p.file and p.message for p in result.problems)


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes(content: bytes) -> None:
    _answers(content)


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(SEED) - 1), st.integers(0, 255)), min_size=1, max_size=8),
       st.integers(0, len(SEED)))
def test_mutated_valid_diagram(flips: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(SEED)
    for index, value in flips:
        data[index] = value
    _answers(bytes(data[: max(cut, 1)]))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.sampled_from(["isExecutable", "attachedToRef", "sourceRef", "targetRef", "calledElement", "default",
                        "formJsonSchemaFilename", "serviceTaskOperator", "timeDuration", "conditionExpression"]),
       st.text(max_size=30))
def test_attribute_values_swapped_for_anything(name: str, value: str) -> None:
    text = APPROVAL.replace(f'{name}="', f'{name}="{value.replace(chr(34), "")}', 1)
    _answers(text.encode("utf-8", "surrogatepass") if all(ord(c) < 0xD800 or ord(c) > 0xDFFF for c in text)
             else text.encode("utf-8", "replace"))
