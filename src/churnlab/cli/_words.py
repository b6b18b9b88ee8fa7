"""Every line the commands print as they work, in the language of ``--lang``.

A command that takes ``--lang`` sets it for its run with :func:`speaking`; :func:`say` then
words a line, and :func:`number` writes a number, in that language (``4,000`` and ``7.9`` in
English, ``4 000`` and ``7,9`` in Russian). Names stay as they are: files, columns, URLs, the
commands' own names and the metrics' short names. Error messages stay in English, as the
libraries' own do. Why a column was set aside, or read unlike the club's column of its name, is
the inference's own wording (:meth:`~churnlab.data.spec.SetAside.text` and
:meth:`~churnlab.data.club.UnlikeClub.text`, in the run's :func:`language`).

Examples
--------
>>> with speaking("ru"):
...     say("analysed", members=number(4000), source="members.csv", seconds=number(7.94, 1))
'проанализировано клиентов: 4\\xa0000 (данные: members.csv) за 7,9 с'
>>> say("analysed", members=number(4000), source="members.csv", seconds=number(7.94, 1))
'analysed 4,000 members from members.csv in 7.9 s'
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from churnlab.report.i18n import TEXT, num, pct

__all__ = [
    "WORDS",
    "language",
    "learner_name",
    "metric_name",
    "number",
    "percent",
    "say",
    "signed",
    "speak",
    "speaking",
    "step",
]

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
        "scoring_on": "scoring {source} on {where}",
        "local_cluster": "a local cluster",
        "parts_on": "{folder} ({partitions} partitions on {where})",
        "month_stepping": "month {month}",
        "month_done": "month {month}: {members} members scored in {seconds} s; {contact} calls to "
        "make, {control} held back as the control group",
        "month_rejected": "; [yellow]{rejected} rows rejected[/]",
        "call_list": "call list: [bold]{path}[/]",
        "month_report": "report: [bold]{path}[/]",
        "first_month": "first month of the loop: next month's run will measure these calls",
        "closed": "{month} closed: {left} of {scored} members left, {expected} expected "
        "({low}–{high}); ROC-AUC {auc} on the untreated members",
        "uplift": "  {title}: uplift {uplift} ({low} to {high}), {contact} contacted vs "
        "{control} held back",
        "points": "{points} pts",
        "measured": "this month's plan prices with measured success rates: {rates}",
        "measured_rate": "{name} {rate} (assumed {assumed})",
        "unmatched": "[yellow]{rows} rows of the outcomes file name members not scored in "
        "{month}: not used (listed in {file})[/]",
        "retrain": "[yellow]retraining is recommended[/] ({reasons}): run again with --retrain",
        "retrain_drift": "drift",
        "retrain_auc_drop": "auc_drop",
        "retrain_miscalibrated": "miscalibrated",
        "refitted_month": "refitted the model on the closed months: out-of-fold ROC-AUC {auc}; "
        "the old one is kept in models/",
        "training_on": "training on {rows} rows on {where}",
        "trained_on": "trained on {rows} rows from {source} on {where} in {seconds} s; learner: "
        "[bold]{learner}[/] {params}",
        "holdout_title": "Held-out metrics ({share} of rows, threshold {threshold})",
        "refitting": "refitting on {months} closed months",
        "refitted": "refitted on the closed months {months} in {seconds} s; learner: "
        "[bold]{learner}[/]",
        "folds_title": "Out-of-fold metrics ({folds} folds)",
        "old_kept": "; the old one kept as {path}",
        "stopped": "[bold red]stopped:[/] nothing was written; earlier outputs are as they were",
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
        "scoring_on": "оценка {source} на {where}",
        "local_cluster": "локальном кластере",
        "parts_on": "{folder} (частей: {partitions}, на {where})",
        "month_stepping": "месяц {month}",
        "month_done": "месяц {month}: оценено клиентов: {members} за {seconds} с; звонков: "
        "{contact}, в контрольной группе: {control}",
        "month_rejected": "; [yellow]отклонено строк: {rejected}[/]",
        "call_list": "список звонков: [bold]{path}[/]",
        "month_report": "отчёт: [bold]{path}[/]",
        "first_month": "первый месяц цикла: запуск следующего месяца измерит, что дали эти звонки",
        "closed": "месяц {month} закрыт: ушли {left} из {scored} клиентов, ожидалось "
        "{expected} ({low}–{high}); ROC-AUC {auc} на клиентах, с которыми не работали",
        "uplift": "  {title}: эффект {uplift} (от {low} до {high}), связались: "
        "{contact}, в контрольной группе: {control}",
        "points": "{points} п.п.",
        "measured": "план этого месяца рассчитан по измеренной доле успеха: {rates}",
        "measured_rate": "{name} {rate} (допущение плана {assumed})",
        "unmatched": "[yellow]строк файла исходов с клиентами, не оценёнными в {month}: {rows}; "
        "они не учтены (список в {file})[/]",
        "retrain": "[yellow]модель стоит переобучить[/] ({reasons}): запустите снова с --retrain",
        "retrain_drift": "клиенты изменились",
        "retrain_auc_drop": "ранжирование ослабло",
        "retrain_miscalibrated": "вероятности сбились",
        "refitted_month": "модель переобучена на закрытых месяцах: ROC-AUC вне фолдов {auc}; "
        "прежняя сохранена в models/",
        "training_on": "обучение на {where}, строк: {rows}",
        "trained_on": "обучено на строках: {rows} (данные: {source}) на {where} за {seconds} с; "
        "модель: [bold]{learner}[/] {params}",
        "holdout_title": "Метрики на отложенных строках ({share} строк, порог {threshold})",
        "refitting": "переобучение на закрытых месяцах (их {months})",
        "refitted": "переобучено на закрытых месяцах {months} за {seconds} с; модель: "
        "[bold]{learner}[/]",
        "folds_title": "Метрики вне фолдов (фолдов: {folds})",
        "old_kept": "; прежняя сохранена как {path}",
        "stopped": "[bold red]остановлено:[/] ничего не записано; прежние результаты не тронуты",
    },
}

#: The analysis' steps (``churnlab.analysis.analyze.STEPS``) and the monthly loop's that name no
#: figure, as the progress display names them.
STEPS: dict[str, dict[str, str]] = {
    "ru": {
        "checking the data": "проверка данных",
        "training the model and finding the segments": "обучение модели и поиск портретов",
        "explaining": "объяснение оценок",
        "describing the segments": "описание портретов",
        "building the plan": "план удержания",
        "refitting the model on the closed months": "переобучение модели на закрытых месяцах",
    }
}

#: The monthly loop's stages (``churnlab.analysis.loop.club_month``), which it names with their
#: month and count: each one's pattern and its words; a count is written as :func:`number` does.
STEP_PATTERNS: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    "ru": (
        (re.compile(r"closing (?P<month>\S+)"), "закрытие месяца {month}"),
        (re.compile(r"reviewing (?P<month>\S+)"), "разбор месяца {month}"),
        (
            re.compile(r"scoring and planning (?P<count>[\d,]+) members for (?P<month>\S+)"),
            "оценка и план на {month}, клиентов: {count}",
        ),
    )
}


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Word every line in ``lang`` ("en" or "ru") until the block ends."""
    token = _LANGUAGE.set(lang if lang in WORDS else "en")
    try:
        yield
    finally:
        _LANGUAGE.reset(token)


def speak(lang: str) -> None:
    """Word the rest of the run's lines in ``lang``: for a command whose language is known only
    once it has begun (``month``'s is the folder's unless --lang is given). The :func:`speaking`
    block the command runs in (``handles_errors``) puts back the language it began with.

    Examples
    --------
    >>> with speaking("en"):
    ...     speak("ru")
    ...     language()
    'ru'
    >>> language()
    'en'
    """
    _LANGUAGE.set(lang if lang in WORDS else "en")


def language() -> str:
    """The language lines are worded in now."""
    return _LANGUAGE.get()


def say(key: str, **fields: Any) -> str:
    """The line ``key`` in the language of the run, its ``{fields}`` filled in."""
    return WORDS[language()][key].format(**fields)


def step(name: str) -> str:
    """A stage's name (an analysis step's, or the monthly loop's) in the run's language.

    Examples
    --------
    >>> with speaking("ru"):
    ...     step("explaining"), step("scoring and planning 4,000 members for 2024-07")
    ('объяснение оценок', 'оценка и план на 2024-07, клиентов: 4\\xa0000')
    >>> step("scoring and planning 4,000 members for 2024-07")
    'scoring and planning 4,000 members for 2024-07'
    """
    lang = language()
    if name in STEPS.get(lang, {}):
        return STEPS[lang][name]
    for pattern, words in STEP_PATTERNS.get(lang, ()):
        if found := pattern.fullmatch(name):
            fields = found.groupdict()
            if "count" in fields:
                fields["count"] = number(int(fields["count"].replace(",", "")))
            return words.format(**fields)
    return name


def number(value: float, digits: int = 0) -> str:
    """A number in the run's language: digit groups and its decimal mark."""
    return num(value, digits, language())


def signed(value: float, digits: int = 0) -> str:
    """A change with its sign: ``+15.0`` and ``-4.3`` in English, ``+15,0`` and ``−4,3`` in
    Russian.

    Examples
    --------
    >>> signed(15.0, 1), signed(-4.3, 1)
    ('+15.0', '-4.3')
    >>> with speaking("ru"):
    ...     signed(1500, 0), signed(-4.3, 1)
    ('+1\\xa0500', '−4,3')
    """
    if language() == "en":
        return f"{value:+,.{digits}f}"
    text = number(value, digits)
    return text if text.startswith("\u2212") else "+" + text


def percent(share: float, digits: int = 0) -> str:
    """A share as a percentage in the run's language: ``31%`` in English, ``31 %`` in Russian.

    Examples
    --------
    >>> percent(0.31)
    '31%'
    >>> with speaking("ru"):
    ...     percent(0.31)
    '31\\xa0%'
    """
    return pct(share, language(), digits)


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
