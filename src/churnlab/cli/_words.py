"""Every line the commands print as they work, in the language of ``--lang``.

A command that takes ``--lang`` sets it for its run with :func:`speaking`; :func:`say` then
words a line, and :func:`number` writes a number, in that language (``4,000`` and ``7.9`` in
English, ``4 000`` and ``7,9`` in Russian). Names stay as they are: files, columns, URLs, the
commands' own names and the metrics' short names. Error messages stay in English, as the
libraries' own do.

Examples
--------
>>> with speaking("ru"):
...     say("analysed", members=number(4000), source="members.csv", seconds=number(7.94, 1))
'проанализировано клиентов: 4\\xa0000 (данные: members.csv) за 7,9 с'
>>> say("analysed", members=number(4000), source="members.csv", seconds=number(7.94, 1))
'analysed 4,000 members from members.csv in 7.9 s'
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from churnlab.report.i18n import TEXT, num

__all__ = ["WORDS", "language", "learner_name", "metric_name", "number", "say", "speaking"]

_LANGUAGE: ContextVar[str] = ContextVar("churnlab_cli_language", default="en")

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "bundled": "the bundled club table",
        "playbook": "playbook: [bold]{name}[/] (built in; your own: --playbook FILE.yaml)",
        "analysing": "analysing",
        "on_sample": "the sample: {step}",
        "on_cluster": "analysing every member on the cluster",
        "writing": "writing the report and the exports",
        "recording": "recording the run",
        "analysed": "analysed {members} members from {source} in {seconds} s",
        "rejected_to": "; [yellow]{rejected} rows rejected[/] -> {path}",
        "report": "report: [bold]{report}[/]; every member's scores: {scores}",
        "recorded": "recorded {kind} run {run} in {store}",
        "scoring": "scoring {source}",
        "scoring_members": "scoring {members} members",
        "scored": "scored {scored} of {rows} rows from {source} -> [bold]{target}[/]",
        "and": " and ",
        "out_table": "table {table}",
        "rejected": "[yellow]{rejected} rows rejected[/] (row, column and reason) -> "
        "[bold]{path}[/]",
        "none_rejected": "0 rows rejected",
        "counts_kept": "the run history keeps the counts of this run, not its {scored} scores "
        "(more than {most}): they are in {path}",
        "training": "training on {members} members{sampled}",
        "tuned_on": " (tuned on {tuned})",
        "trained": "trained on {members} members ({left} left) from {source} in {seconds} s; "
        "learner: [bold]{learner}[/] {params}",
        "oof_title": "Out-of-fold metrics ({folds} folds{sample}, threshold {threshold})",
        "of_sample": " of a sample of {members} members",
        "model_written": "model written to [bold]{path}[/]",
        "metric": "metric",
        "value": "value",
        "member_id": "member id: [bold]{column}[/]",
        "set_aside": "set aside [bold]{column}[/]: {reason}",
        "unlike_club": "not the club's columns of these names, so read from their data: {columns}",
        "time": "time: {shares}",
        "seconds": "{seconds} s",
    },
    "ru": {
        "bundled": "встроенная таблица клуба",
        "playbook": "сценарий удержания: [bold]{name}[/] (встроенный; свой: --playbook FILE.yaml)",
        "analysing": "анализ",
        "on_sample": "выборка: {step}",
        "on_cluster": "анализ всех клиентов на кластере",
        "writing": "запись отчёта и выгрузок",
        "recording": "запись запуска в историю",
        "analysed": "проанализировано клиентов: {members} (данные: {source}) за {seconds} с",
        "rejected_to": "; [yellow]отклонено строк: {rejected}[/] -> {path}",
        "report": "отчёт: [bold]{report}[/]; оценки всех клиентов: {scores}",
        "recorded": "запуск {kind} {run} записан в {store}",
        "scoring": "оценка {source}",
        "scoring_members": "оценка, клиентов: {members}",
        "scored": "оценено строк: {scored} из {rows} (данные: {source}) -> [bold]{target}[/]",
        "and": " и ",
        "out_table": "таблица {table}",
        "rejected": "[yellow]отклонено строк: {rejected}[/] (строка, столбец и причина) -> "
        "[bold]{path}[/]",
        "none_rejected": "отклонённых строк нет",
        "counts_kept": "история запусков хранит только итоги этого запуска, без {scored} "
        "оценок (их больше {most}): они в {path}",
        "training": "обучение, клиентов: {members}{sampled}",
        "tuned_on": " (настройка на {tuned})",
        "trained": "обучено на клиентах: {members}, из них ушли {left} (данные: {source}) за "
        "{seconds} с; "
        "модель: [bold]{learner}[/] {params}",
        "oof_title": "Метрики вне фолдов (фолдов: {folds}{sample}, порог {threshold})",
        "of_sample": ", выборка: {members} клиентов",
        "model_written": "модель записана в [bold]{path}[/]",
        "metric": "метрика",
        "value": "значение",
        "member_id": "идентификатор клиента: [bold]{column}[/]",
        "set_aside": "отложен столбец [bold]{column}[/]: {reason}",
        "unlike_club": "это не столбцы клуба с такими именами, поэтому они прочитаны по "
        "данным: {columns}",
        "time": "время: {shares}",
        "seconds": "{seconds} с",
    },
}

#: The analysis' steps (``churnlab.analysis.analyze.STEPS``), as the progress display names them.
STEPS: dict[str, dict[str, str]] = {
    "ru": {
        "checking the data": "проверка данных",
        "training the model and finding the segments": "обучение модели и поиск портретов",
        "explaining": "объяснение оценок",
        "describing the segments": "описание портретов",
        "building the plan": "план удержания",
    }
}


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Word every line in ``lang`` ("en" or "ru") until the block ends."""
    token = _LANGUAGE.set(lang if lang in WORDS else "en")
    try:
        yield
    finally:
        _LANGUAGE.reset(token)


def language() -> str:
    """The language lines are worded in now."""
    return _LANGUAGE.get()


def say(key: str, **fields: Any) -> str:
    """The line ``key`` in the language of the run, its ``{fields}`` filled in."""
    return WORDS[language()][key].format(**fields)


def step(name: str) -> str:
    """A stage's name (an analysis step's, or one :data:`WORDS` holds) in the run's language."""
    return STEPS.get(language(), {}).get(name, name)


def number(value: float, digits: int = 0) -> str:
    """A number in the run's language: digit groups and its decimal mark."""
    return num(value, digits, language())


def metric_name(metric: str) -> str:
    """A metric's name: its short name in English (``roc_auc``), the report's word in Russian."""
    if language() == "en":
        return metric
    return TEXT[language()].get(f"m_{metric}", metric)


def learner_name(learner: str) -> str:
    """A learner's name: ``logistic`` or ``boosting`` in English, the report's words in Russian."""
    if language() == "en":
        return learner
    return TEXT[language()].get(f"learner_{learner}", learner)
