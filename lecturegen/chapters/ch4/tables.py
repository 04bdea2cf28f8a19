"""Chapter 4's own tables and content helpers (``chapter(tables=..., helpers=...)``):
``{{ optimizer_table() }}``, ``{{ batching_table() }}`` and ``{% set r = ranked("optimizers") %}``."""

from __future__ import annotations

from lecturegen.chapter import Page, fixed, mean, pct, seconds, short, table


@table(
    heads={
        "ko": ("실험", "옵티마이저 (실제 설정)", "테스트 정확도", "테스트 손실", "에포크당 시간"),
        "en": ("run", "optimizer (as compiled)", "test accuracy", "test loss", "time per epoch"),
    },
    align="llrrr", group="optimizers",
)
def optimizer_table(exp, run) -> tuple[str, ...]:
    """Per optimizer run: the settings read back from the compiled model, test accuracy and loss
    (mean ± sd when the run has several seeds), time per epoch."""
    opt = dict(run.optimizer)
    name = opt.pop("name", "?")
    settings = ", ".join(f"`{k}={short(v)}`" for k, v in opt.items() if v not in (None, False))  # code: never split
    return (exp, f"{name} ({settings})", f"**{pct(run.test_accuracy)}**",
            fixed(run.test_loss), seconds(mean(run.epoch_times_s)))


@table(
    heads={
        "ko": ("실험", "배치 크기", "에포크", "에포크당 업데이트", "에포크당 시간", "총 업데이트", "테스트 정확도"),
        "en": ("run", "batch size", "epochs", "updates per epoch", "time per epoch", "updates in total", "test accuracy"),
    },
    align="lrrrrrr", group="batching",
)
def batching_table(exp, run) -> tuple[str, ...]:
    """Per batching run: batch size, epochs, updates per epoch, time per epoch, accuracy after its epochs."""
    return (exp, f"{run.batch_size:,}", f"{run.epochs}", f"{run.iterations_per_epoch:,}",
            seconds(mean(run.epoch_times_s)), f"{run.iterations_per_epoch * run.epochs:,}",
            f"**{pct(run.test_accuracy)}**")


def ranked(page: Page, group: str, metric: str = "val_accuracy") -> list:
    """A group's experiments ordered best first by the last epoch's value of a history metric
    (highest first for accuracies, lowest first for losses)."""
    exps = list(page.experiments(group))
    lower_is_better = "loss" in metric
    return sorted(exps, key=lambda e: page.runs[e.name].history[metric][-1], reverse=not lower_is_better)


def optimizer_lines(page: Page, group: str = "optimizers") -> list[dict]:
    """Per experiment of a group, the one line of its code that chooses the optimizer (as it ran), its
    display name and the learning rate read back from the compiled model: ``{"name", "line", "learning_rate"}``."""
    rows = []
    for exp in page.experiments(group):
        line = next((ln.strip().rstrip(",") for ln in exp.source.splitlines() if "optimizer=" in ln), "")
        rows.append({"name": exp.display(page.lang), "line": line.removeprefix("optimizer="),
                     "learning_rate": page.runs[exp.name].optimizer.get("learning_rate")})
    return rows


def _call_line(exp) -> str:
    """The line of a one-line experiment that makes its model: ``relu_network(learning_rate=0.001)``."""
    return next((ln.strip().removeprefix("return ") for ln in exp.source.splitlines() if ln.strip().startswith("return ")), "")


@table(
    heads={
        "ko": ("실험 코드", "에포크", "업데이트 수", "테스트 정확도"),
        "en": ("experiment code", "epochs", "updates", "test accuracy"),
    },
    align="lrrr", group="lr_grid",
)
def grid_table(exp, run) -> tuple[str, ...]:
    """Per run of the learning-rate grid: the call that builds its model, epochs, updates, test accuracy."""
    return (f"`{_call_line(exp)}`", f"{run.epochs}", f"{run.iterations_per_epoch * run.epochs:,}",
            f"**{pct(run.test_accuracy)}**")
