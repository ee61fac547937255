"""The screening bench's other engine: OpenSanctions' nomenklatura logic-v2 matcher on the same sets.

Run by `bench/screening_bench.py` in an interpreter that has nomenklatura (see
docs/decisions/0009-nomenklatura-bench-only.md for why that is a separate environment):

    NOMENKLATURA_PYTHON=/path/to/python python bench/screening_nomenklatura.py TASKS.json RESULTS.json

Pairs are compared directly with `LogicV2.compare`. Screening a query against a whole list needs
candidates first; nomenklatura's own blocking index lives in DuckDB, so this uses its blocking *tokenizer*
(`nomenklatura.blocker.tokenizer.tokenize_entity`, the tokens its index is built from) in an in-memory
inverted index, ranks entries by IDF-weighted shared tokens as its index does, and compares the top
`CANDIDATES` with logic-v2. The figures therefore measure logic-v2 with nomenklatura's own blocking tokens.
"""

from __future__ import annotations

import importlib
import json
import math
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

CANDIDATES = 20
SCHEMA = {"person": "Person", "organisation": "Organization", None: "LegalEntity"}


def main(tasks_path: str, out_path: str) -> int:
    ftm: Any = importlib.import_module("followthemoney")
    matching: Any = importlib.import_module("nomenklatura.matching")
    tokenizer: Any = importlib.import_module("nomenklatura.blocker.tokenizer")
    model = ftm.model
    logic = matching.LogicV2
    config = logic.default_config()
    tasks = json.loads(Path(tasks_path).read_text(encoding="utf-8"))
    threshold = float(tasks["threshold"])
    counter = iter(range(10**9))

    def entity(schema: str, names: list[str], **props: list[str]) -> Any:
        proxy = model.make_entity(schema)
        proxy.id = f"e{next(counter)}"
        for name in names:
            proxy.add("name", name)
        for prop, values in props.items():
            for value in values:
                if value:
                    proxy.add(prop, value, quiet=True)
        return proxy

    def list_entity(record: dict[str, Any]) -> Any:
        dates = [d for d in record["birth_dates"] if d]
        if record["kind"] == "person":
            return entity(
                "Person",
                record["names"],
                birthDate=dates,
                nationality=record["nationalities"],
                country=record["countries"],
            )
        return entity("Organization", record["names"], country=record["countries"] + record["nationalities"])

    def query_entity(query: dict[str, Any]) -> Any:
        schema = SCHEMA[query.get("kind")]
        props: dict[str, list[str]] = {}
        if query.get("birth_date") and schema == "Person":
            props["birthDate"] = [query["birth_date"]]
        if query.get("nationality") and schema == "Person":
            props["nationality"] = [query["nationality"]]
        if query.get("country"):
            props["country"] = [query["country"]]
        return entity(schema, [query["name"]], **props)

    class Screen:
        def __init__(self, records: list[dict[str, Any]]) -> None:
            self.records = records
            self.entities = [list_entity(r) for r in records]
            postings: dict[str, list[int]] = defaultdict(list)
            for index, proxy in enumerate(self.entities):
                for token in {t for _f, t in tokenizer.tokenize_entity(proxy)}:
                    postings[token].append(index)
            total = len(self.entities)
            self.postings = dict(postings)
            self.idf = {t: math.log(1 + total / len(ids)) for t, ids in postings.items()}

        def best(self, query: dict[str, Any]) -> tuple[float, str]:
            proxy = query_entity(query)
            scores: dict[int, float] = defaultdict(float)
            for token in {t for _f, t in tokenizer.tokenize_entity(proxy)}:
                for index in self.postings.get(token, ()):
                    scores[index] += self.idf[token]
            ranked = sorted(scores, key=lambda i: -scores[i])[:CANDIDATES]
            best_score, best_ref = 0.0, ""
            for index in ranked:
                score = logic.compare(proxy, self.entities[index], config).score
                if score > best_score:
                    best_score, best_ref = score, self.records[index]["reference_number"]
            return best_score, best_ref

    results: dict[str, Any] = {"threshold": threshold, "candidates": CANDIDATES, "sets": {}}
    started = time.perf_counter()
    full = Screen(tasks["entries"])
    results["build_seconds"] = time.perf_counter() - started
    for set_name, queries in tasks["screen_sets"].items():
        screen = full
        if set_name == "arabic":
            screen = Screen(tasks["entries_latin_only"])
        started = time.perf_counter()
        answers = [screen.best(q) for q in queries]
        elapsed = time.perf_counter() - started
        results["sets"][set_name] = {
            "seconds": elapsed,
            "answers": [[round(score, 4), ref] for score, ref in answers],
        }
        print(f"nomenklatura: {set_name}: {len(queries)} queries in {elapsed:.1f} s", flush=True)
    started = time.perf_counter()
    pair_scores = []
    for pair in tasks["pairs"]:
        schema = (
            pair["schema"]
            if pair["schema"] in {"Person", "Company", "Organization", "LegalEntity", "Vessel"}
            else "LegalEntity"
        )
        left = entity(schema, [pair["name1"]])
        right = entity(schema, [pair["name2"]])
        pair_scores.append(round(logic.compare(left, right, config).score, 4))
    results["pairs"] = {"seconds": time.perf_counter() - started, "scores": pair_scores}
    Path(out_path).write_text(json.dumps(results), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2]))
