"""BERTScore precision, recall and F1 as ``bert_score.score`` computes them (roberta-large, layer 17 by default).

The three metrics share one computation: whichever is scored first fills it, the others read it.
Each caption's score is its best over its references (P, R and F each on their own), optionally
rescaled with bert-score's baseline file for the model and layer; the corpus score is the mean.
The signature is bert-score's hash string (``roberta-large_L17_no-idf_version=...``), recorded in run.json.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from pydantic import Field

from foodcap import Metric, MetricOptions, MetricScore, check_corpus

from .weights import ModelMetricOptions, missing_weights, options_of

# The computation follows bert-score 0.3.13, whose hash says version=0.3.12 (its __version__ was not bumped).
BERT_SCORE_VERSION = "0.3.12"
# bert-score's best layers for common English models (its model2layers table).
DEFAULT_LAYERS = {
    "roberta-large": 17,
    "roberta-base": 10,
    "roberta-large-mnli": 19,
    "distilroberta-base": 5,
    "bert-base-uncased": 9,
    "bert-large-uncased": 18,
    "bert-base-multilingual-cased": 9,
    "distilbert-base-uncased": 5,
    "xlm-roberta-base": 9,
    "xlm-roberta-large": 17,
    "microsoft/deberta-base": 9,
    "microsoft/deberta-large": 16,
    "microsoft/deberta-xlarge-mnli": 40,
}


class BertScoreOptions(ModelMetricOptions):
    model: str = Field("roberta-large", description="Encoder weights: hub id (local cache) or folder.")
    num_layers: int | None = Field(
        None, ge=0, description="Layer whose embeddings are matched (default: bert-score's)."
    )
    idf: bool = Field(False, description="Weight tokens by IDF over the scored references.")
    rescale_with_baseline: bool = Field(False, description="Rescale with bert-score's baseline for lang and model.")
    baseline: Path | None = Field(None, description="A baseline file of your own (LAYER,P,R,F rows).")
    lang: str = Field("en", description="Language of the baseline file.")

    def layers(self) -> int:
        layers = self.num_layers if self.num_layers is not None else DEFAULT_LAYERS.get(self.model)
        if layers is None:
            raise ValueError(f"bert-score has no default layer for {self.model!r}: set bertscore.num_layers")
        return layers

    def baseline_file(self) -> Path | None:
        """The custom baseline, else bert-score's own file for this language and model (found, not imported)."""
        if self.baseline is not None:
            return self.baseline.expanduser()
        spec = importlib.util.find_spec("bert_score")
        if spec is None or not spec.submodule_search_locations:
            return None
        return Path(list(spec.submodule_search_locations)[0]) / "rescale_baseline" / self.lang / f"{self.model}.tsv"


def bert_score_hash(options: BertScoreOptions) -> str:
    """bert-score's ``get_hash`` for these settings (the model as given, the installed transformers)."""
    import transformers

    text = (
        f"{options.model}_L{options.layers()}{'_idf' if options.idf else '_no-idf'}"
        f"_version={BERT_SCORE_VERSION}(hug_trans={transformers.__version__})"
    )
    if options.rescale_with_baseline:
        text += "-custom-rescaled" if options.baseline is not None else "-rescaled"
    return text


class _BertScoreMetric(Metric):
    Options: ClassVar[type[MetricOptions]] = BertScoreOptions
    column: ClassVar[int]  # 0: precision, 1: recall, 2: F1

    @classmethod
    def missing_resources_for(cls, options: MetricOptions) -> list[str]:
        chosen = options_of(options, BertScoreOptions)
        missing = missing_weights(cls.name, chosen.model)
        try:
            chosen.layers()
        except ValueError as error:
            missing.append(str(error))
        baseline = chosen.baseline_file()
        if chosen.rescale_with_baseline and (baseline is None or not baseline.is_file()):
            missing.append(
                f"{cls.name}: no baseline file for {chosen.model!r} in {chosen.lang!r}"
                + (f" at {baseline}" if baseline else "")
                + ": pip install 'foodcap-modelmetrics[baselines]' (bert-score's files) or set "
                f"--metric-option {cls.name}.baseline=FILE"
            )
        return missing

    def compute(self, predictions: Sequence[str], references: Sequence[Sequence[str]]) -> MetricScore:
        check_corpus(predictions, references)
        options = options_of(self.options, BertScoreOptions)
        from .bert_model import BertScorer  # torch and transformers: only when scoring

        column = BertScorer.load(options).score(predictions, references, options)[:, self.column]
        return MetricScore(float(column.double().mean()), column.tolist())

    def signature(self) -> str:
        return bert_score_hash(options_of(self.options, BertScoreOptions))


class BertScoreF1(_BertScoreMetric):
    name = "bertscore"
    description = "BERTScore F1 (bert-score's computation; roberta-large layer 17 by default)"
    column = 2


class BertScorePrecision(_BertScoreMetric):
    name = "bertscore-precision"
    description = "BERTScore precision: how much of the caption the references cover"
    column = 0


class BertScoreRecall(_BertScoreMetric):
    name = "bertscore-recall"
    description = "BERTScore recall: how much of the best reference the caption covers"
    column = 1
