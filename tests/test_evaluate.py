"""`briefgen eval`: the dataset format, the scoring protocol, and the quality gate on DUC 2003."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from briefgen.commands.evaluate import evaluate, read_clusters, summary_text
from briefgen.errors import BriefgenError
from briefgen.models import Sentence

from .conftest import SHARED
from .conftest import run_cli as run

DUC = SHARED / "eval" / "duc2003_task2.jsonl"
#: Recall x100 at 100 words that the default engine must keep on DUC 2003 task 2 (measured:
#: 38.60 and 10.41 with quotes that stand on their own and in their time; 38.85 and 10.50 before).
GATE = {"rouge1": 38.5, "rouge2": 10.3}

HARBOR = [
    "Port officials in Valmora said on Monday that the new container terminal would open in May after two years of work.\n\n"
    "The terminal doubles the port's capacity to 1.2 million containers a year.\n\n"
    "Shipping lines have already booked most of the new berths for the summer season.",
    "The Valmora container terminal will open in May, port officials said, doubling capacity to 1.2 million containers a year.\n\n"
    "Dock workers agreed to a new contract last week that covers the expanded terminal.",
    "Valmora's new terminal is expected to draw shipping lines away from rival ports along the coast.\n\n"
    "Port officials said the container terminal would open in May.",
]
FLOOD = [
    "Heavy rain flooded the lower town of Ostrava Vale on Saturday, forcing 300 families from their homes.\n\n"
    "The river rose two meters in six hours, the regional water authority said.",
    "Rescue teams evacuated 300 families from the lower town of Ostrava Vale after the river burst its banks on Saturday.\n\n"
    "The regional government promised emergency funds for repairs to homes and roads.",
]


def write_dataset(path: Path) -> Path:
    clusters = [
        {
            "id": "harbor",
            "documents": [{"id": f"h{k}", "text": t, "date": f"2024-03-0{k + 1}"} for k, t in enumerate(HARBOR)],
            "references": [
                "Valmora's new container terminal opens in May and doubles capacity.",
                "A new terminal opens in May in Valmora.",
            ],
        },
        {
            "id": "flood",
            "documents": [{"id": f"f{k}", "text": t} for k, t in enumerate(FLOOD)],
            "references": ["Floods forced 300 families from their homes in Ostrava Vale."],
        },
    ]
    path.write_text("".join(json.dumps(c) + "\n" for c in clusters), encoding="utf-8")
    return path


def test_summary_is_cut_to_the_first_n_words():
    sents = [
        Sentence(0, k, 0, 0, t, "paragraph", None, True, ())
        for k, t in enumerate(["One two three four.", "Five six  seven\neight."])
    ]
    assert summary_text(sents, 6) == "One two three four. Five six"


def test_without_the_eval_extra_eval_is_one_line_naming_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "rouge_score", None)  # as when briefgen[eval] is not installed
    proc = run("eval", str(write_dataset(tmp_path / "tiny.jsonl")))
    assert (proc.returncode, proc.stderr.strip()) == (
        1,
        "briefgen: error: briefgen eval needs the eval extra: pip install 'briefgen[eval]'",
    )


def test_eval_scores_any_dataset_in_the_format_and_writes_summaries(tmp_path):
    dataset = write_dataset(tmp_path / "tiny.jsonl")
    out = tmp_path / "summaries.jsonl"
    proc = run("eval", str(dataset), "--words", "25", "--summaries-out", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["clusters"] == 2 and report["words"] == 25
    assert set(report["recall"]) == {"rouge1", "rouge2", "rougeL"}
    assert 0 < report["recall"]["rouge1"] <= 100
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["harbor", "flood"]
    sources = {"harbor": " ".join(HARBOR), "flood": " ".join(FLOOD)}
    for line in lines:
        assert 0 < len(line["summary"].split()) <= 25
        # Every word comes from the cluster, in order: sentences are quoted, then cut.
        first = line["summary"].split(". ")[0]
        assert " ".join(first.split()) in " ".join(sources[line["id"]].split())


def test_eval_prints_a_table(tmp_path):
    proc = run("eval", str(write_dataset(tmp_path / "tiny.jsonl")), "--words", "25")
    assert proc.returncode == 0, proc.stderr
    assert "ROUGE-1" in proc.stdout and "ROUGE-2" in proc.stdout and "ROUGE-L" in proc.stdout
    assert "per cluster" in proc.stdout


def test_a_malformed_dataset_line_is_named(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "documents": [], "references": ["x"]}\n', encoding="utf-8")
    with pytest.raises(BriefgenError, match=r"bad.jsonl:1: not a cluster"):
        read_clusters(bad)
    proc = run("eval", str(bad))
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1 and "bad.jsonl:1" in proc.stderr


def test_unknown_summarizer_is_refused(tmp_path):
    proc = run("eval", str(write_dataset(tmp_path / "tiny.jsonl")), "--summarizer", "gpt")
    assert proc.returncode == 2 and "'gpt' is not one of 'coverage', 'centroid', 'lead'" in proc.stderr


def test_scores_are_rouge_scores_own_and_only_those_asked_for(tmp_path):
    """The remembering stemmer gives rouge-score's own scores; a run may ask for fewer metrics
    (the gates score only what they pin), and an unknown metric is an error naming the valid ones."""
    from briefgen.analyse.workspace import Workspace

    rouge_score = pytest.importorskip("rouge_score.rouge_scorer")
    dataset = write_dataset(tmp_path / "tiny.jsonl")
    whole = evaluate(dataset, words=30)
    plain = rouge_score.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    for cluster, result in zip(read_clusters(dataset), whole.clusters, strict=True):
        for metric in ("rouge1", "rouge2", "rougeL"):
            expected = sum(plain.score(r, result.summary)[metric].recall for r in cluster.references)
            assert result.scores[metric][0] == pytest.approx(expected / len(cluster.references))
    # Through a workspace (cleaned and analysed from its cache the second time), the same summaries.
    for _ in range(2):
        few = evaluate(dataset, words=30, workspace=Workspace(tmp_path / "cache"), metrics=("rouge2",))
        assert [c.summary for c in few.clusters] == [c.summary for c in whole.clusters]
        assert few.as_dict()["recall"] == {"rouge2": whole.as_dict()["recall"]["rouge2"]}  # type: ignore[index]
    with pytest.raises(BriefgenError, match="unknown ROUGE metric rougeX; choose from rouge1, rouge2, rougeL"):
        evaluate(dataset, metrics=("rougeX",))


@pytest.mark.skipif(not DUC.is_file(), reason="../shared/eval is not beside this checkout")
def test_quality_gate_duc2003(duc_workspace):
    """The default engine keeps its ROUGE on DUC 2003 task 2 (30 clusters, 100 words, recall).

    Every cluster is selected and scored on every run; each document's cleaning and analysis are
    kept between runs, keyed by its content and the analysis engine (briefgen's reading, cleaning
    and analysis code), so a change to that code is measured afresh. Only the gated scores are
    computed.
    """
    report = evaluate(DUC, words=100, workspace=duc_workspace, metrics=tuple(GATE))
    assert len(report.clusters) == 30
    recall = {metric: round(100 * report.mean(metric, 0), 2) for metric in GATE}
    for metric, minimum in GATE.items():
        assert recall[metric] >= minimum, f"{metric} recall {recall[metric]} fell below {minimum}"


DUC2006 = SHARED / "eval" / "duc2006_qf.jsonl"
#: Recall x100 at 250 words on DUC 2006 with each cluster's topic as the brief (measured: 41.06 and 10.39 since a speaker named by a surname alone is quoted only after the sentence naming them in full; 41.07 and 10.38 since a sentence closing on a pronoun speaker needs the one before it, and contact lines are never quoted; 41.17 and 10.47 with the rules on pronoun subjects after an opening phrase; 41.18 and 10.45 since wire services' notes are furniture; 41.22 and 10.47 before; 41.18 and 10.52 before the rules of select/standalone.py).
GATE_2006 = {"rouge1": 41.0, "rouge2": 10.0}


@pytest.mark.skipif(not DUC2006.is_file(), reason="../shared/eval is not beside this checkout")
def test_quality_gate_duc2006_with_the_topic_as_brief(duc_workspace):
    report = evaluate(DUC2006, words=250, workspace=duc_workspace, metrics=tuple(GATE_2006))
    assert len(report.clusters) == 50
    for metric, minimum in GATE_2006.items():
        recall = round(100 * report.mean(metric, 0), 2)
        assert recall >= minimum, f"{metric} recall {recall} fell below {minimum}"
