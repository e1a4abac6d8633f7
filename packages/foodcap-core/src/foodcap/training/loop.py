"""`foodcap train`: the generic fine-tuning loop for every TrainableCaptioner, on accelerate."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import torch
from rich.console import Console
from torch.utils.data import DataLoader

from ..backend.placement import resolve_device, resolve_dtype
from ..backend.precision import choose_mixed_precision
from ..batches import DecodedBatch, TrainingCollate, batch_loader
from ..captioner import TrainableCaptioner
from ..dataset.split_data import load_split_data
from ..errors import FoodcapError
from ..freeze import parameter_counts
from ..launch import Shard, detect_launch, rank_console
from ..preflight import require, train_checks
from ..registry import Registry
from ..runs.captioning import CaptionLog, pending
from ..runs.folder import (
    BEST,
    HISTORY,
    RUN,
    RunFolder,
    default_train_folder,
    discard_unused,
    fresh_start_note,
    read_jsonl,
    write_atomically,
)
from ..runs.predictions import prediction_record
from ..runs.progress import image_progress
from ..runs.record import record_evaluation, run_record
from ..runs.resume import check_resume, record_start, started_with
from ..runs.scoring import Scores, resolve_metrics, score, score_folder, settle_metrics
from . import checkpoints
from .best_epoch import judge_epoch
from .encoder_cache import build_cache, cached_loader, check_cacheable
from .master_weights import keep_trainable_float32
from .options import TrainConfig, TrainOptions
from .ranks import agreed, any_rank_empty, caption_shards, gathered, sync_skipped_gradients
from .reporting import counts_table, epoch_line
from .step_plan import (
    PlannedBatches,
    StepPlan,
    accumulation_groups,
    own_shard_plan,
    set_schedule_position,
    shared_order_plan,
    steps_per_epoch,
)
from .tracking import tracked

# Called with each epoch's history row once it is written and checkpointed: trackers log it, and a
# sweep reports the val loss (raising optuna.TrialPruned there stops the training).
EpochCallback = Callable[[dict[str, Any]], None]


@dataclass
class TestEvaluation:
    """The best weights scored on the test split."""

    scores: Scores
    count: int
    grounding: dict[str, dict[str, float]]
    evaluated_on: dict[str, Any]
    log: CaptionLog


@dataclass
class TrainResult:
    folder: Path
    history: list[dict[str, Any]]
    test_scores: Scores | None
    test_count: int = 0


def optimizer_for(model: torch.nn.Module, options: TrainOptions) -> torch.optim.AdamW:
    """AdamW over trainable parameters; biases and norm weights (1-D) get no weight decay."""
    trainable = [p for p in model.parameters() if p.requires_grad]
    if not trainable:
        raise FoodcapError("the freeze policy left no trainable parameters")
    groups = [
        {"params": [p for p in trainable if p.ndim > 1], "weight_decay": options.weight_decay},
        {"params": [p for p in trainable if p.ndim <= 1], "weight_decay": 0.0},
    ]
    return torch.optim.AdamW([g for g in groups if g["params"]], lr=options.lr)


class Trainer:
    """One training run: built from a TrainConfig, resumable from its folder."""

    def __init__(
        self,
        config: TrainConfig,
        registry: Registry,
        console: Console,
        flags: dict[str, str] | None = None,
        callbacks: Sequence[EpochCallback] = (),
    ) -> None:
        from accelerate import Accelerator
        from accelerate.utils import set_seed

        device = resolve_device(str(config.options.get("device", "auto")))
        if device.type == "cuda" and device.index is not None:
            torch.cuda.set_device(device)  # --device cuda:N in one process; torchrun/accelerate set it per rank
        entry = registry.captioner(config.captioner)
        options = registry.captioner_options(config.captioner, config.options, flags)
        # A family that overflows in float16 (Gemma 3) trains in float32 where bfloat16 is not native.
        self.float16_risk = entry.obj.float16_risk(options)
        autocast, self.autocast_reason = choose_mixed_precision(config.train.mixed_precision, device, self.float16_risk)
        # First, so that the processes of a launch can agree; gradient accumulation is the step plan's.
        self.accelerator = Accelerator(mixed_precision=autocast, cpu=device.type == "cpu")
        self.launch = detect_launch()
        self.config, self.options, self.console = config, config.train, rank_console(console, self.launch)
        self.callbacks = list(callbacks)
        self.folder_path = agreed(config.out or default_train_folder(config.captioner), self.launch)
        self.created = not self.folder_path.exists()  # removed again if training fails before its first checkpoint
        self.fresh_note = fresh_start_note(self.folder_path, config.resume)
        self._check_folder()
        trainable = entry.obj
        if not issubclass(trainable, TrainableCaptioner):
            raise FoodcapError(f"captioner {config.captioner!r} cannot be trained (it is not a TrainableCaptioner)")
        self.policy = registry.freeze_policy(self.options.freeze or trainable.default_freeze_policy).obj()
        self.metrics = resolve_metrics(
            registry, config.evaluation.metrics, config.evaluation.metric_dialect, config.evaluation.metric_options
        )
        self.data = load_split_data(config.data, registry)
        self.started = started_with(
            config,
            options,
            self.data.manifest.digest(),
            "train",
            self.options.freeze or trainable.default_freeze_policy,
        )
        if self.launch.is_main:  # checked now, before the model loads; written once training starts
            check_resume(self.folder_path, self.started, config.resume)
        self.data.required_samples("train")  # an empty train or val split is one line saying why
        self.val_samples = self.data.required_samples("val", config.data.limit)
        self.train_samples = self.data.training_samples("train", config.data.limit)

        set_seed(self.options.seed)
        # Master weights stay float32 (autocast does the low precision) unless the user asked otherwise.
        values = {"dtype": "float32", **config.options, "device": str(self.accelerator.device)}
        self.captioner = trainable.load_for_training(registry.captioner_options(config.captioner, values, flags))
        self.captioner.learn_vocabulary([sample.title for sample in self.train_samples])  # train split only
        # What `foodcap run --checkpoint best/` would load: the test split is captioned the same way.
        self.run_options = registry.captioner_options(
            config.captioner, {**config.options, "device": str(self.accelerator.device)}, flags
        )
        self.trainable = trainable
        self.test_settings: dict[str, str] = {}
        self.policy.apply(self.captioner)
        keep_trainable_float32(self.captioner.model, self.accelerator.mixed_precision)
        self.counts = parameter_counts(self.captioner)
        self.timings: dict[str, float] = {}

    def _check_folder(self) -> None:
        has_state = bool(checkpoints.finished_checkpoints(self.folder_path))  # a partial one is no state
        if has_state and not self.config.resume:
            raise FoodcapError(f"{self.folder_path} already holds a training run; pass --resume or another --out")

    # -- data ---------------------------------------------------------------------------------------
    def _loaders(
        self, batches: PlannedBatches
    ) -> tuple[DataLoader[DecodedBatch], Callable[[torch.Generator], StepPlan], DataLoader[DecodedBatch]]:
        """The train loader (batches as the epoch's plan says), its planner, and this rank's val loader."""
        data, captioner, launch = self.config.data, self.captioner, self.launch
        shard = Shard(launch.rank, launch.world_size)
        if self.options.cache_encoder:
            check_cacheable(captioner)
            dtype = torch.bfloat16 if self.accelerator.mixed_precision == "bf16" else None  # autocast reads it as is
            # Each rank encodes and holds only its shard: 1/N of the time and of the memory.
            self.accelerator.wait_for_everyone()  # time the build, not a slower rank's model loading
            started = time.perf_counter()
            train_cache = build_cache(
                captioner, shard.take(self.train_samples), data.batch_size, data.num_workers, self.console, dtype
            )
            val_cache = build_cache(
                captioner, shard.take(self.val_samples), data.batch_size, data.num_workers, self.console, dtype
            )
            sizes = gathered(len(train_cache), launch)  # also waits for the slowest rank's shard
            self.timings["encoder_cache_seconds"] = time.perf_counter() - started
            return (
                cached_loader(train_cache, captioner, data.batch_size, batches),
                lambda generator: own_shard_plan(sizes, data.batch_size, launch, generator),
                cached_loader(val_cache, captioner, data.batch_size),
            )
        collate = TrainingCollate(captioner.training_collator())
        count, budget = len(self.train_samples), data.prefetch_mb * 2**20
        return (
            batch_loader(
                self.train_samples, collate, data.batch_size, data.num_workers, prefetch_bytes=budget, batches=batches
            ),
            lambda generator: shared_order_plan(count, data.batch_size, launch, generator),
            batch_loader(
                shard.take(self.val_samples), collate, data.batch_size, data.num_workers, prefetch_bytes=budget
            ),
        )

    # -- the loop -----------------------------------------------------------------------------------
    def fit(self) -> TrainResult:
        console, options, accelerator = self.console, self.options, self.accelerator
        console.print(counts_table(self.captioner.name, self.policy.name, self.counts))
        batches = PlannedBatches()
        train_loader, plan_for, val_loader = self._loaders(batches)
        generator = torch.Generator().manual_seed(options.seed)
        per_epoch = steps_per_epoch(plan_for(generator), options.grad_accum)  # the same length every epoch
        steps = per_epoch * options.epochs
        from transformers import get_scheduler

        optimizer = optimizer_for(self.captioner.model, options)
        # Not prepared: accelerate would step it once per process; ours steps once per optimizer step.
        scheduler = get_scheduler(
            options.schedule, optimizer, num_warmup_steps=round(steps * options.warmup_ratio), num_training_steps=steps
        )
        model, optimizer = accelerator.prepare(self.captioner.model, optimizer)

        folder = RunFolder(self.folder_path, resume=self.config.resume)
        if self.launch.is_main:
            record_start(self.folder_path, self.started, self.config.resume)
        history: list[dict[str, Any]] = []
        best: dict[str, Any] = {"value": None, "epoch": None, "stale": 0}
        first_epoch = 1
        resumed = checkpoints.resume(self.folder_path, self.captioner.model, optimizer, scheduler)
        if resumed is not None:
            first_epoch, best = resumed.next_epoch, resumed.best
            history = [row for row in read_jsonl(self.folder_path / HISTORY) if row["epoch"] < first_epoch]
            set_schedule_position(scheduler, (first_epoch - 1) * per_epoch)  # this launch may differ in size
            console.print(f"resuming after epoch {first_epoch - 1}")
        elif self.config.resume:
            console.print(
                self.fresh_note or "no checkpoint was finished before the interruption: starting again from epoch 1"
            )
        self._write_history(history)

        for epoch in range(first_epoch, options.epochs + 1):
            generator.manual_seed(options.seed * 100_003 + epoch)  # same order whether resumed or not
            batches.plan = plan_for(generator)
            row = self._train_epoch(epoch, model, optimizer, scheduler, train_loader, batches.plan)
            row["val_loss"] = self._val_loss(val_loader)
            if epoch % options.eval_every == 0 or epoch == options.epochs:
                row["val_metrics"] = self._val_metrics()
            # Rank 0 alone holds the val metrics; its decision is everyone's.
            row, best, improved = agreed(judge_epoch(row, best, options.best_metric, self.metrics), self.launch)
            history.append(row)
            self._write_history(history)
            console.print(epoch_line(row, options.epochs))
            self._checkpoint(epoch, optimizer, scheduler, best, improved)
            for callback in self.callbacks:
                callback(row)
            if options.patience and best["stale"] >= options.patience:
                console.print(f"early stop: no improvement in {options.best_metric} for {options.patience} epochs")
                break

        tested = self._test_eval(folder) if options.test_eval else None
        self._write_run_record(folder, history, best, tested)
        return TrainResult(self.folder_path, history, tested.scores if tested else None, tested.count if tested else 0)

    def _train_epoch(
        self,
        epoch: int,
        model: torch.nn.Module,
        optimizer: Any,
        scheduler: Any,
        loader: DataLoader[DecodedBatch],
        plan: StepPlan,
    ) -> dict[str, Any]:
        accelerator, options, world = self.accelerator, self.options, self.launch.world_size
        model.train()
        total_loss, images, compute_seconds, skipped = torch.zeros((), device=accelerator.device), 0, 0.0, 0
        started = time.perf_counter()
        decoded = iter(loader)
        with image_progress(self.console) as progress:
            task = progress.add_task(f"epoch {epoch}/{options.epochs}", total=sum(plan.totals))  # all ranks' images
            for group in accumulation_groups(plan, options.grad_accum):
                synced = False
                for step in group:
                    batch = next(decoded).to(accelerator.device, non_blocking=True)
                    if any_rank_empty(batch, self.launch):  # every image failed to decode: nothing to learn
                        skipped += 1
                        progress.advance(task, plan.totals[step])
                        continue
                    synced = step == group[-1]
                    step_started = time.perf_counter()
                    # Gradients are averaged across ranks once per optimizer step, after its last batch.
                    with nullcontext() if step == group[-1] else accelerator.no_sync(model):
                        with accelerator.autocast():
                            loss = self.captioner.loss(model, batch.inputs)
                        accelerator.backward(loss * plan.weight(step, len(batch.samples), world, group))
                    if not plan.fillers[step]:
                        total_loss += loss.detach() * len(batch.samples)
                        images += len(batch.samples)
                    compute_seconds += time.perf_counter() - step_started
                    progress.advance(task, plan.totals[step])
                if not synced:  # the step's last batch was skipped, so DDP did not average the gradients
                    sync_skipped_gradients(model, self.launch)
                if options.max_grad_norm:
                    accelerator.clip_grad_norm_(model.parameters(), options.max_grad_norm)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
        if accelerator.device.type == "cuda":
            torch.cuda.synchronize()
        all_images = accelerator.reduce(torch.tensor(images, device=accelerator.device), reduction="sum").item()
        return {
            "epoch": epoch,
            "train_loss": accelerator.reduce(total_loss, reduction="sum").item() / max(1, all_images),
            "lr": scheduler.get_last_lr()[0],
            "epoch_seconds": time.perf_counter() - started,
            "train_images_per_second": all_images / compute_seconds if compute_seconds else 0.0,
            **({"skipped_batches": skipped} if skipped else {}),
        }

    @torch.no_grad()
    def _val_loss(self, loader: DataLoader[DecodedBatch]) -> float:
        """Exact: each rank sums over its own shard (no padded duplicates), then the sums are added."""
        model = self.captioner.model  # unwrapped: evaluation needs no gradient sync
        model.eval()
        total, count = torch.zeros((), device=self.accelerator.device), 0
        for batch in loader:
            if not batch.samples:  # no gradients here, so each process may skip on its own
                continue
            batch = batch.to(self.accelerator.device, non_blocking=True)
            with self.accelerator.autocast():
                total += self.captioner.loss(model, batch.inputs).float() * len(batch.samples)
            count += len(batch.samples)
        reduced_count = self.accelerator.reduce(torch.tensor(count, device=self.accelerator.device), reduction="sum")
        return float(self.accelerator.reduce(total, reduction="sum").item() / max(1, reduced_count.item()))

    def _val_metrics(self) -> dict[str, float]:
        """Caption the val split (up to --eval-limit images), sharded across ranks, and score it on rank 0.

        The weights are still training (float32), so captioning autocasts to the dtype `foodcap run` would
        load them in; the test split reloads best/ in it exactly (``_best_for_test``).
        """
        samples = self.val_samples[: self.options.eval_limit] if self.options.eval_limit else self.val_samples
        self.captioner.model.eval()
        device, inference = (
            self.accelerator.device,
            resolve_dtype(self.run_options.dtype, self.accelerator.device, self.float16_risk),
        )
        like_run = nullcontext() if inference == torch.float32 else torch.autocast(device.type, dtype=inference)
        with like_run:
            pairs, _ = caption_shards(self.captioner, samples, self.config.data, self.console, self.launch)
        if not self.launch.is_main:
            return {}
        return score(
            self.metrics,
            [caption for _, caption in pairs],
            [list(s.references) for s, _ in pairs],
            [s.image for s, _ in pairs],
            self.config.data,
        ).corpus

    # -- checkpoints and records -------------------------------------------------------------------
    def _checkpoint(self, epoch: int, optimizer: Any, scheduler: Any, best: dict[str, Any], improved: bool) -> None:
        self.accelerator.wait_for_everyone()
        if self.accelerator.is_main_process:
            checkpoints.save_epoch(
                self.folder_path,
                self.captioner,
                self.config.captioner,
                epoch,
                optimizer,
                scheduler,
                best,
                improved,
                self.options.keep_checkpoints,
            )

    def _write_history(self, history: list[dict[str, Any]]) -> None:
        if self.accelerator.is_main_process:
            write_atomically(self.folder_path / HISTORY, "".join(json.dumps(row) + "\n" for row in history))

    def _test_eval(self, folder: RunFolder) -> TestEvaluation | None:
        """Caption the test split with the best epoch's weights into this folder (a normal run folder).

        Every rank captions its shard; rank 0 writes what all of them captioned and scores it.
        """
        self.accelerator.wait_for_everyone()  # rank 0 has written best/
        captioner = self._best_for_test()
        samples = self.data.samples("test", self.config.data.limit)
        if not samples:
            return None
        todo = agreed(pending(folder, samples) if self.launch.is_main else [], self.launch)
        pairs, log = caption_shards(captioner, todo, self.config.data, self.console, self.launch)
        if not self.launch.is_main:
            return None
        folder.append_predictions(prediction_record(sample, caption) for sample, caption in pairs)
        scored = score_folder(folder, samples, self.metrics, data=self.config.data)
        evaluated_on = record_evaluation(folder, self.config, self.data, "test", scored.scores, scored.count)
        return TestEvaluation(scored.scores, scored.count, scored.grounding, evaluated_on, log)

    def _best_for_test(self) -> TrainableCaptioner:
        """The best weights as `foodcap run --checkpoint best/` captions with them: the trained model itself
        when run would load it in the same dtype (float32, as on the CPU), else best/ reloaded through
        the captioner's own ``load`` in the inference dtype (bf16 or fp16 on a GPU), so the reported test
        scores are the ones a user reproduces."""
        inference = resolve_dtype(self.run_options.dtype, self.accelerator.device, self.float16_risk)
        self.test_settings["test_dtype"] = str(inference).removeprefix("torch.")
        if inference == next(self.captioner.model.parameters()).dtype:
            checkpoints.load_best_weights(self.folder_path, self.captioner.model)
            self.captioner.model.eval()
            return self.captioner
        return cast(
            TrainableCaptioner,
            self.trainable.load(self.run_options.model_copy(update={"checkpoint": self.folder_path / BEST})),
        )

    def _write_run_record(
        self, folder: RunFolder, history: list[dict[str, Any]], best: dict[str, Any], tested: TestEvaluation | None
    ) -> None:
        if not self.accelerator.is_main_process:
            return
        folder.write(
            RUN,
            run_record(
                "train",
                self.config,
                type(self.captioner),
                self.captioner,
                self.accelerator.device,
                self.data,
                tested.log if tested else CaptionLog(),
                freeze_policy=self.policy.name,
                parameters=self.counts,
                best=best,
                epochs_run=len(history),
                evaluated_on=tested.evaluated_on if tested else None,
                grounding=tested.grounding if tested else {},
                mixed_precision=self.accelerator.mixed_precision,
                mixed_precision_reason=self.autocast_reason,
                processes=self.launch.world_size,
                **self.test_settings,
                timings=self.timings,
            ),
        )


def train(
    config: TrainConfig,
    registry: Registry,
    console: Console,
    flags: dict[str, str] | None = None,
    callbacks: Sequence[EpochCallback] = (),
    tracker_group: str | None = None,
) -> TrainResult:
    """Train, calling ``callbacks`` after every epoch; ``--tracker`` runs are grouped by ``tracker_group``."""
    config = settle_metrics(config, registry)
    require(train_checks(config, registry, flags))  # missing extras or resources fail before any model loads
    trainer = Trainer(config, registry, console, flags, callbacks)
    try:
        with tracked(config, trainer.folder_path, tracker_group, trainer.accelerator.is_main_process) as tracker:
            if tracker is not None:
                trainer.callbacks.append(tracker.log_epoch)
            result = trainer.fit()
            if tracker is not None:
                tracker.log_test(result.folder)
    except BaseException:
        if trainer.created and not trainer.launch.distributed:  # failed before its first checkpoint: no folder
            discard_unused(trainer.folder_path)
        raise
    return result
