"""The staff dashboard at ``/``: this month's calls, the at-risk list, the portraits, the model's
quality and the plan.

:func:`mount_dashboard` adds two things to the API app:

- ``GET /`` — a small HTML page in the bundle's language (English or Russian). It holds no member
  data: its scripts (``static/dashboard.js``, and ``static/calls.js`` for the call tool) read
  everything from the ``/v1`` routes, sending the key as ``Authorization: Bearer <key>``. When
  the API answers 401 the page asks for the key and keeps it in the tab's ``sessionStorage``;
  when the server has no key, no prompt is shown. The call tool lists the month's contact group
  in the campaign's order and records what came of each call (``POST
  /v1/members/{id}/contacts``).
- ``GET /static/{file}`` — the page's own scripts and style. Nothing is fetched from outside: no
  CDN, no fonts, no chart library (the charts are inline SVG drawn from the JSON).

The page is sent with a Content-Security-Policy that allows only the app's own scripts, styles and
API, so a value that slipped into the data could not load or run anything.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from jinja2 import Environment, select_autoescape
from markupsafe import Markup
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from churnlab._version import __version__
from churnlab.api.headers import page_headers

__all__ = ["DASHBOARD", "STATIC_DIR", "mount_dashboard", "render_dashboard"]

#: The folder of the dashboard's script and style.
STATIC_DIR = Path(__file__).with_name("static")

#: Every word of the dashboard that is not data, in English and Russian. Plain text: the template
#: escapes it, and the script inserts it with ``textContent``. ``{n}``-style fields are filled by
#: the script.
DASHBOARD: dict[str, dict[str, str]] = {
    "en": {
        "title": "Churn dashboard",
        "eyebrow": "churnlab · staff",
        "sub": "Members at risk of leaving next month, why, and what to do about it.",
        "source": "Data: {source} · analysed {created}",
        "nav": "Sections",
        "loading": "Loading…",
        "key_title": "Enter your access key",
        "key_note": "This page is for the club's staff. Type the access key your manager gave "
        "you. It stays in this browser tab only, and is forgotten when you close it.",
        "key_label": "Access key",
        "key_submit": "Open the dashboard",
        "key_wrong": "That key was not accepted. Check it and try again.",
        "key_forget": "Forget the key",
        "sec_members": "Members at risk",
        "sec_segments": "Member portraits",
        "sec_quality": "How far to trust the model",
        "sec_plan": "Retention plan",
        "nav_members": "At risk",
        "nav_segments": "Portraits",
        "nav_quality": "Model quality",
        "nav_plan": "Plan",
        "members_note": "The latest scores, riskiest first. Select a member to see the reasons "
        "and the history of their score.",
        "filter_tier": "Risk",
        "filter_segment": "Portrait",
        "filter_search": "Member id",
        "search_placeholder": "Search by id",
        "all": "All",
        "tier_high": "high",
        "tier_medium": "medium",
        "tier_low": "low",
        "col_member": "Member",
        "col_probability": "Churn probability",
        "col_tier": "Risk",
        "col_segment": "Portrait",
        "col_action": "Recommended measure",
        "col_reason": "Main reason",
        "count": "{from}–{to} of {total} members",
        "count_none": "No member matches these filters.",
        "prev": "Previous",
        "next": "Next",
        "page_nav": "Pages of the list",
        "details": "Details of member {member}",
        "reasons": "Why the model flags this member",
        "reasons_none": "No reason raises this member's risk above the average member's.",
        "history": "Churn probability month by month",
        "history_none": "No earlier months.",
        "month": "Month",
        "action": "Recommended measure",
        "no_store": "No run history is served: start the server with --store (or CHURNLAB_STORE) "
        "to browse the scored members.",
        "no_summary": "No analysis is served: start the server with --run DIR from churnlab "
        "analyze to see the portraits, the model's quality and the plan.",
        "error": "The server could not answer ({status}). Try again later.",
        "offline": "The server cannot be reached. Check the connection and reload the page.",
        "segments_chart": "Size and churn of each portrait",
        "segments_chart_note": "Grey bars: share of the members; coloured bars: share of them "
        "who left. The dashed line marks the average churn ({rate}).",
        "share": "share of members",
        "churn": "churn",
        "portrait_members": "{members} members · {share}",
        "portrait_churn": "churn {rate}",
        "distinguishing": "Stands out by",
        "vs": "vs {value} overall",
        "quality_note": "Out-of-fold figures: every member was scored by a model that had not "
        "seen them. ± is the spread across folds.",
        "m_roc_auc": "ROC-AUC",
        "m_pr_auc": "PR-AUC",
        "m_brier": "Brier score",
        "m_log_loss": "Log loss",
        "m_ece": "Calibration error (ECE)",
        "d_roc_auc": "how often a leaver is ranked above a stayer (1 is perfect, 0.5 is chance)",
        "d_pr_auc": "how cleanly the leavers come first in the ranking",
        "d_brier": "mean squared gap between probability and outcome (lower is better)",
        "d_log_loss": "penalty for confident mistakes (lower is better)",
        "d_ece": "average gap between predicted and observed churn (lower is better)",
        "drivers": "What drives churn",
        "driver_points": "{value} pts",
        "lever": "lever",
        "trait": "trait",
        "unknown": "role not given",
        "campaign_members": "Members to contact",
        "expected_cost": "Expected cost",
        "expected_saving": "Expected saving",
        "expected_net": "Net",
        "target_groups": "Target groups",
        "group": "Group and measure",
        "members_col": "Members",
        "no_plan": "With these economics no member is worth an offer.",
        # this month's calls
        "sec_calls": "This month's calls",
        "nav_calls": "Calls",
        "calls_note": "The members the campaign chose to call, in its order: call from the top. "
        "Select a member to see what to say and to record the outcome. The control group is "
        "not listed: those members are held back and must not be called.",
        "calls_none": "No calls this month: run {command} with this month's members to plan them.",
        "calls_none_measure": "No member to call with this measure.",
        "calls_count": "{from}–{to} of {total} members to call · {month}",
        "calls_page_nav": "Pages of the calls",
        "col_rank": "Rank",
        "col_measure": "Measure",
        "col_outcome": "Outcome",
        "outcome_none": "not yet",
        "call_details": "Call with member {member}",
        "script": "What to do and say",
        "script_none": "The playbook has no script for this measure.",
        "note_label": "Note (optional)",
        "note_placeholder": "For example: call back on Friday evening",
        "outcomes_label": "Record the outcome of the call",
        "outcome_reached": "Reached",
        "outcome_no_answer": "No answer",
        "outcome_declined": "Declined",
        "outcome_accepted": "Accepted",
        "outcome_not_contacted": "Not contacted",
        "done_reached": "reached",
        "done_no_answer": "no answer",
        "done_declined": "declined",
        "done_accepted": "accepted",
        "done_not_contacted": "not contacted",
        "recording": "Recording…",
        "recorded": "Recorded: {outcome}",
        "record_refused": "The outcome was not recorded: the server refused it. Shorten the note "
        "and try again.",
        "record_unknown": "The outcome was not recorded: the server does not know this member.",
        "record_failed": "The outcome was not recorded. {reason}",
        # the member list's campaign filters
        "filter_measure": "Measure",
        "filter_group": "Group",
        "group_contact": "To call (contact group)",
        "group_control": "Control group (do not call)",
        "badge_contact": "to call",
        "badge_control": "control — do not call",
        # a member's months ahead and value
        "value": "Months ahead and value",
        "value_none": "No value was recorded with this member's latest score.",
        "expected_months": "Expected months of the next 12: {months}",
        "member_value": "Value over the next 12 months: {value}",
        "survival_chart": "Chance of still being a member after 1, 3 and 12 months",
        "stay_after": "{months} mo",
        "survival_note": "If nothing changes: the model's chance of leaving, month after month.",
    },
    "ru": {
        "title": "Панель оттока",
        "eyebrow": "churnlab · для сотрудников",
        "sub": "Кто из клиентов может уйти в следующем месяце, почему и что с этим делать.",
        "source": "Данные: {source} · анализ от {created}",
        "nav": "Разделы",
        "loading": "Загрузка…",
        "key_title": "Введите ключ доступа",
        "key_note": "Эта страница — для сотрудников клуба. Введите ключ доступа, который вам "
        "выдал руководитель. Он хранится только в этой вкладке браузера и забывается, когда вы "
        "её закрываете.",
        "key_label": "Ключ доступа",
        "key_submit": "Открыть панель",
        "key_wrong": "Ключ не подошёл. Проверьте его и попробуйте снова.",
        "key_forget": "Забыть ключ",
        "sec_members": "Клиенты в зоне риска",
        "sec_segments": "Портреты клиентов",
        "sec_quality": "Насколько доверять модели",
        "sec_plan": "План удержания",
        "nav_members": "Риск",
        "nav_segments": "Портреты",
        "nav_quality": "Качество модели",
        "nav_plan": "План",
        "members_note": "Последние оценки, самые рискованные сверху. Выберите клиента, чтобы "
        "увидеть причины и историю его оценки.",
        "filter_tier": "Риск",
        "filter_segment": "Портрет",
        "filter_search": "Номер клиента",
        "search_placeholder": "Поиск по номеру",
        "all": "Все",
        "tier_high": "высокий",
        "tier_medium": "средний",
        "tier_low": "низкий",
        "col_member": "Клиент",
        "col_probability": "Вероятность ухода",
        "col_tier": "Риск",
        "col_segment": "Портрет",
        "col_action": "Рекомендуемая мера",
        "col_reason": "Главная причина",
        "count": "{from}–{to} из {total} клиентов",
        "count_none": "Под эти условия не подходит ни один клиент.",
        "prev": "Назад",
        "next": "Далее",
        "page_nav": "Страницы списка",
        "details": "Подробности о клиенте {member}",
        "reasons": "Почему модель выделяет этого клиента",
        "reasons_none": "Ни одна причина не поднимает риск клиента выше среднего.",
        "history": "Вероятность ухода по месяцам",
        "history_none": "Более ранних месяцев нет.",
        "month": "Месяц",
        "action": "Рекомендуемая мера",
        "no_store": "История запусков не подключена: запустите сервер с --store (или "
        "CHURNLAB_STORE), чтобы просматривать оценённых клиентов.",
        "no_summary": "Анализ не подключён: запустите сервер с --run DIR из churnlab analyze, "
        "чтобы увидеть портреты, качество модели и план.",
        "error": "Сервер не смог ответить ({status}). Попробуйте позже.",
        "offline": "Сервер недоступен. Проверьте соединение и обновите страницу.",
        "segments_chart": "Размер и отток каждого портрета",
        "segments_chart_note": "Серые полосы — доля клиентов; цветные — доля ушедших из них. "
        "Пунктир — средний отток ({rate}).",
        "share": "доля клиентов",
        "churn": "отток",
        "portrait_members": "{members} клиентов · {share}",
        "portrait_churn": "отток {rate}",
        "distinguishing": "Отличается",
        "vs": "против {value} в среднем",
        "quality_note": "Оценки вне обучения: каждого клиента оценивала модель, которая его не "
        "видела. ± — разброс между фолдами.",
        "m_roc_auc": "ROC-AUC",
        "m_pr_auc": "PR-AUC",
        "m_brier": "Оценка Брайера",
        "m_log_loss": "Логарифмическая потеря",
        "m_ece": "Ошибка калибровки (ECE)",
        "d_roc_auc": "как часто ушедший стоит в рейтинге выше оставшегося (1 — идеально, "
        "0,5 — случайно)",
        "d_pr_auc": "насколько чисто ушедшие идут первыми в рейтинге",
        "d_brier": "средний квадрат разницы между вероятностью и исходом (меньше — лучше)",
        "d_log_loss": "штраф за уверенные ошибки (меньше — лучше)",
        "d_ece": "средний разрыв между предсказанным и наблюдаемым оттоком (меньше — лучше)",
        "drivers": "Что влияет на отток",
        "driver_points": "{value} п. п.",
        "lever": "рычаг",
        "trait": "свойство",
        "unknown": "роль не задана",
        "campaign_members": "Кому позвонить",
        "expected_cost": "Ожидаемые затраты",
        "expected_saving": "Ожидаемая экономия",
        "expected_net": "Чистая экономия",
        "target_groups": "Целевые группы",
        "group": "Группа и мера",
        "members_col": "Клиентов",
        "no_plan": "При этих экономических допущениях предлагать меры никому не выгодно.",
        # звонки этого месяца
        "sec_calls": "Звонки этого месяца",
        "nav_calls": "Звонки",
        "calls_note": "Клиенты, которым кампания решила позвонить, в её порядке: звоните сверху "
        "вниз. Выберите клиента, чтобы увидеть, что сказать, и записать итог. Контрольной группы "
        "здесь нет: этих клиентов оставили без звонка, им звонить нельзя.",
        "calls_none": "Звонков в этом месяце нет: запустите {command} с клиентами этого месяца, "
        "чтобы их запланировать.",
        "calls_none_measure": "С этой мерой звонить некому.",
        "calls_count": "{from}–{to} из {total} клиентов для звонка · {month}",
        "calls_page_nav": "Страницы списка звонков",
        "col_rank": "№",
        "col_measure": "Мера",
        "col_outcome": "Итог",
        "outcome_none": "ещё нет",
        "call_details": "Звонок клиенту {member}",
        "script": "Что сделать и сказать",
        "script_none": "В плане нет сценария для этой меры.",
        "note_label": "Заметка (необязательно)",
        "note_placeholder": "Например: перезвонить в пятницу вечером",
        "outcomes_label": "Записать итог звонка",
        "outcome_reached": "Дозвонились",
        "outcome_no_answer": "Нет ответа",
        "outcome_declined": "Отказ",
        "outcome_accepted": "Согласие",
        "outcome_not_contacted": "Не звонили",
        "done_reached": "дозвонились",
        "done_no_answer": "нет ответа",
        "done_declined": "отказ",
        "done_accepted": "согласие",
        "done_not_contacted": "не звонили",
        "recording": "Записываем…",
        "recorded": "Записано: {outcome}",
        "record_refused": "Итог не записан: сервер его не принял. Сократите заметку и попробуйте "
        "снова.",
        "record_unknown": "Итог не записан: сервер не знает этого клиента.",
        "record_failed": "Итог не записан. {reason}",
        # фильтры кампании в списке клиентов
        "filter_measure": "Мера",
        "filter_group": "Группа",
        "group_contact": "Звонить (группа контакта)",
        "group_control": "Контрольная группа (не звонить)",
        "badge_contact": "позвонить",
        "badge_control": "контроль — не звонить",
        # сколько клиент ещё пробудет и сколько принесёт
        "value": "Сколько ещё пробудет и принесёт",
        "value_none": "С последней оценкой клиента ценность не записана.",
        "expected_months": "Ожидаемых месяцев из следующих 12: {months}",
        "member_value": "Ценность за следующие 12 месяцев: {value}",
        "survival_chart": "Вероятность остаться клиентом через 1, 3 и 12 месяцев",
        "stay_after": "{months} мес.",
        "survival_note": "Если ничего не изменится: вероятность ухода по модели, месяц за месяцем.",
    },
}

#: Only the app's own resources; the API is same-origin. Inline scripts and styles are refused.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_HEADERS = page_headers(CSP)

_PAGE = """<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="churnlab {{ version }}">
<title>{{ t.title }}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="static/dashboard.css?v={{ version }}">
<script type="application/json" id="dashboard-text">{{ text_json }}</script>
<script src="static/calls.js?v={{ version }}" defer></script>
<script src="static/dashboard.js?v={{ version }}" defer></script>
</head>
<body>
<header class="page-head">
  <div class="wrap head-row">
    <div>
      <p class="eyebrow">{{ t.eyebrow }}</p>
      <h1>{{ t.title }}</h1>
      <p class="sub" id="source">{{ t.sub }}</p>
    </div>
    <button type="button" class="ghost" id="forget-key" hidden>{{ t.key_forget }}</button>
  </div>
</header>
<nav class="toc" aria-label="{{ t.nav }}">
  <div class="wrap">
    <ol>
      <li><a href="#calls">{{ t.nav_calls }}</a></li>
      <li><a href="#members">{{ t.nav_members }}</a></li>
      <li><a href="#segments">{{ t.nav_segments }}</a></li>
      <li><a href="#quality">{{ t.nav_quality }}</a></li>
      <li><a href="#plan">{{ t.nav_plan }}</a></li>
    </ol>
  </div>
</nav>
<main class="wrap">
<section id="key-prompt" class="key-prompt" hidden aria-labelledby="key-title">
  <h2 id="key-title">{{ t.key_title }}</h2>
  <p class="note">{{ t.key_note }}</p>
  <form id="key-form" autocomplete="off">
    <label for="key-input">{{ t.key_label }}</label>
    <div class="key-row">
      <input id="key-input" name="key" type="password" required spellcheck="false"
             autocomplete="current-password">
      <button type="submit" class="primary">{{ t.key_submit }}</button>
    </div>
    <p id="key-error" class="error" role="alert" hidden>{{ t.key_wrong }}</p>
  </form>
</section>
<p id="status" class="status" role="status" aria-live="polite">{{ t.loading }}</p>
<div id="content" hidden>

<section id="calls" aria-labelledby="calls-title">
  <h2 id="calls-title">{{ t.sec_calls }}</h2>
  <p class="note">{{ t.calls_note }}</p>
  <form class="toolbar" id="calls-filters" role="search">
    <div class="field">
      <label for="c-measure">{{ t.filter_measure }}</label>
      <select id="c-measure" name="measure">
        <option value="">{{ t.all }}</option>
      </select>
    </div>
  </form>
  <p id="calls-message" class="message" hidden></p>
  <div class="table-scroll" id="calls-table-wrap">
    <table class="members calls" id="calls-table">
      <thead>
        <tr>
          <th scope="col" class="n">{{ t.col_rank }}</th>
          <th scope="col">{{ t.col_member }}</th>
          <th scope="col" class="n hide-s">{{ t.col_probability }}</th>
          <th scope="col" class="hide-s">{{ t.col_segment }}</th>
          <th scope="col">{{ t.col_measure }}</th>
          <th scope="col" class="hide-m">{{ t.col_reason }}</th>
          <th scope="col">{{ t.col_outcome }}</th>
        </tr>
      </thead>
      <tbody id="calls-body"></tbody>
    </table>
  </div>
  <nav class="pager" id="calls-pager" aria-label="{{ t.calls_page_nav }}">
    <p id="calls-count" class="count" aria-live="polite"></p>
    <div class="pager-buttons">
      <button type="button" id="calls-prev" disabled>{{ t.prev }}</button>
      <button type="button" id="calls-next" disabled>{{ t.next }}</button>
    </div>
  </nav>
</section>

<section id="members" aria-labelledby="members-title">
  <h2 id="members-title">{{ t.sec_members }}</h2>
  <p class="note">{{ t.members_note }}</p>
  <form class="toolbar" id="filters" role="search">
    <div class="field">
      <label for="f-tier">{{ t.filter_tier }}</label>
      <select id="f-tier" name="tier">
        <option value="">{{ t.all }}</option>
        <option value="high">{{ t.tier_high }}</option>
        <option value="medium">{{ t.tier_medium }}</option>
        <option value="low">{{ t.tier_low }}</option>
      </select>
    </div>
    <div class="field">
      <label for="f-segment">{{ t.filter_segment }}</label>
      <select id="f-segment" name="segment">
        <option value="">{{ t.all }}</option>
      </select>
    </div>
    <div class="field">
      <label for="f-measure">{{ t.filter_measure }}</label>
      <select id="f-measure" name="measure">
        <option value="">{{ t.all }}</option>
      </select>
    </div>
    <div class="field">
      <label for="f-group">{{ t.filter_group }}</label>
      <select id="f-group" name="group">
        <option value="">{{ t.all }}</option>
        <option value="contact">{{ t.group_contact }}</option>
        <option value="control">{{ t.group_control }}</option>
      </select>
    </div>
    <div class="field grow">
      <label for="f-search">{{ t.filter_search }}</label>
      <input id="f-search" name="search" type="search" maxlength="100" spellcheck="false"
             placeholder="{{ t.search_placeholder }}">
    </div>
  </form>
  <p id="members-message" class="message" hidden></p>
  <div class="table-scroll" id="members-table-wrap">
    <table class="members" id="members-table">
      <thead>
        <tr>
          <th scope="col">{{ t.col_member }}</th>
          <th scope="col" class="n">{{ t.col_probability }}</th>
          <th scope="col">{{ t.col_tier }}</th>
          <th scope="col" class="hide-s">{{ t.col_segment }}</th>
          <th scope="col" class="hide-s">{{ t.col_action }}</th>
          <th scope="col" class="hide-m">{{ t.col_reason }}</th>
        </tr>
      </thead>
      <tbody id="members-body"></tbody>
    </table>
  </div>
  <nav class="pager" id="pager" aria-label="{{ t.page_nav }}">
    <p id="members-count" class="count" aria-live="polite"></p>
    <div class="pager-buttons">
      <button type="button" id="prev" disabled>{{ t.prev }}</button>
      <button type="button" id="next" disabled>{{ t.next }}</button>
    </div>
  </nav>
</section>

<section id="segments" aria-labelledby="segments-title">
  <h2 id="segments-title">{{ t.sec_segments }}</h2>
  <p class="message summary-missing" hidden>{{ t.no_summary }}</p>
  <figure class="chart" id="segments-figure">
    <figcaption><strong>{{ t.segments_chart }}</strong><span id="segments-note"></span></figcaption>
    <div id="segments-chart"></div>
  </figure>
  <div class="grid portraits" id="portraits"></div>
</section>

<section id="quality" aria-labelledby="quality-title">
  <h2 id="quality-title">{{ t.sec_quality }}</h2>
  <p class="message summary-missing" hidden>{{ t.no_summary }}</p>
  <p class="note">{{ t.quality_note }}</p>
  <div class="grid kpis" id="metrics"></div>
  <h3>{{ t.drivers }}</h3>
  <ul class="drivers" id="drivers"></ul>
</section>

<section id="plan" aria-labelledby="plan-title">
  <h2 id="plan-title">{{ t.sec_plan }}</h2>
  <p class="message summary-missing" hidden>{{ t.no_summary }}</p>
  <div class="grid kpis" id="campaign"></div>
  <h3>{{ t.target_groups }}</h3>
  <div class="table-scroll">
    <table class="groups">
      <thead>
        <tr>
          <th scope="col">{{ t.group }}</th>
          <th scope="col" class="n">{{ t.members_col }}</th>
          <th scope="col" class="n">{{ t.expected_cost }}</th>
          <th scope="col" class="n">{{ t.expected_saving }}</th>
        </tr>
      </thead>
      <tbody id="groups"></tbody>
    </table>
  </div>
</section>

</div>
</main>
<footer class="wrap">churnlab {{ version }}</footer>
</body>
</html>
"""

_ENV = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_TEMPLATE = _ENV.from_string(_PAGE)


class _OwnFiles(StaticFiles):
    """The dashboard's files, sent with ``nosniff`` so a browser takes them only as they are."""

    async def get_response(self, path: str, scope: Scope) -> Any:
        response = await super().get_response(path, scope)
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def render_dashboard(lang: str = "en") -> str:
    """The dashboard's HTML page in `lang` (English when the language is unknown).

    Examples
    --------
    >>> page = render_dashboard("ru")
    >>> '<html lang="ru">' in page and "Панель оттока" in page
    True
    """
    lang = lang if lang in DASHBOARD else "en"
    text = DASHBOARD[lang]
    # JSON inside <script>: "<", ">" and "&" escaped so the text cannot close the element.
    text_json = (
        json.dumps({"lang": lang, "text": text}, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )
    return _TEMPLATE.render(lang=lang, t=text, version=__version__, text_json=Markup(text_json))


def mount_dashboard(app: FastAPI, bundle: Any) -> None:
    """Serve the dashboard at ``/`` and its script and style at ``/static/``.

    Parameters
    ----------
    app : fastapi.FastAPI
        The API app (:func:`churnlab.api.create_app`); the page reads its ``/v1`` routes.
    bundle : churnlab.scoring.bundle.Bundle
        The served bundle: its ``lang`` is the page's language.
    """
    page = render_dashboard(getattr(bundle, "lang", "en"))

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def dashboard() -> HTMLResponse:
        """The staff dashboard: it holds no data and reads the /v1 routes with the key."""
        return HTMLResponse(page, headers=_HEADERS)

    app.mount("/static", _OwnFiles(directory=STATIC_DIR), name="static")
