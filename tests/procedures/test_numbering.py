"""Dossier numbers stay unique when dossiers are filed at the same instant."""
from __future__ import annotations

import threading

from tests.procedures.conftest import Platform
from tests.procedures.test_guu import CITIZEN, SMALL


def test_simultaneous_filings_get_distinct_numbers(platform: Platform) -> None:
    p = platform
    p.actor(CITIZEN)
    barrier = threading.Barrier(8)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def file() -> None:
        try:
            barrier.wait()
            d = p.file(CITIZEN, "permis_construire", SMALL)
            numbers.append(p.dossier(d).number)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=file) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(numbers)) == 8
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, 9))  # no gaps
