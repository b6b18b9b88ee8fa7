"""Every word of ``report.html`` that is not data, in English and Russian, and number formats.

:data:`TEXT` maps a language to its UI strings; :func:`t` looks one up (English when the language
is unknown). The strings are plain text — the template escapes them — and some hold ``{fields}``
for :meth:`str.format`. A key with a ``_club`` twin (``levers`` / ``levers_club``) is worded for
any business, the twin for a fitness club's table
(:attr:`churnlab.data.spec.DatasetSpec.is_club_table`); :func:`t` picks the twin when given
``club=True``. Numbers follow the language: ``1,234.5`` and ``26.5%`` in English, ``1 234,5`` and
``26,5 %`` in Russian (no-break spaces).

Examples
--------
>>> t("sec_plan", "ru")
'План удержания'
>>> t("levers", "en"), t("levers", "en", club=True)
('Levers the business can move', 'Levers the club can move')
>>> num(1234.5, 1, "en"), num(1234.5, 1, "ru")
('1,234.5', '1\\xa0234,5')
>>> pct(0.26525, "en"), pct(0.26525, "ru")
('26.5%', '26,5\\xa0%')
"""

from __future__ import annotations

from typing import Any

from churnlab.data import numbers
from churnlab.data.numbers import NBSP

__all__ = ["LANGS", "TEXT", "num", "pct", "t"]

TEXT: dict[str, dict[str, str]] = {
    "en": {
        # page
        "title": "Member churn report",
        "source": "Data",
        "created": "made on",
        "toc": "Contents",
        "footer": "Made by churnlab {version} from {source}. Training data SHA-256: {hash}.",
        "footer_note": "Every figure is out of fold: the model that scored a member never saw "
        "that member.",
        "none": "none",
        # sections
        "sec_conclusions": "What to know",
        "sec_data": "The data at a glance",
        "sec_quality": "How far to trust the model",
        "sec_drivers": "What drives churn",
        "sec_segments": "Member portraits",
        "sec_plan": "Retention plan",
        "sec_members": "Members at risk",
        "toc_conclusions": "Summary",
        "toc_data": "Data",
        "toc_quality": "Model quality",
        "toc_drivers": "Drivers",
        "toc_segments": "Portraits",
        "toc_plan": "Plan",
        "toc_members": "At risk",
        # key figures
        "kpi_members": "Members analysed",
        "kpi_churn": "Churn rate",
        "kpi_churn_note": "{leavers} left the next month",
        "kpi_auc_note": "ranking quality, out of fold",
        "kpi_call": "Members to contact",
        "kpi_call_note": "cost about {cost}",
        "kpi_saving": "Expected saving",
        "kpi_saving_note": "{net} net of the cost",
        "conclusions_lead": "The findings in five sentences, written from the numbers below.",
        # data
        "rows_read": "Rows read",
        "rows_rejected": "Rows rejected",
        "members_used": "Members analysed",
        "leavers": "Left",
        "churn_rate": "Churn rate",
        "set_aside": "Columns set aside",
        "set_aside_none": "No column was set aside: every column of the table was used.",
        "column": "Column",
        "reason": "Reason",
        "churn_by_value": "Churn along each feature",
        "churn_by_value_note": "Each bar is the share of members with that value who left; the "
        "thin line marks the average of all members ({rate}). The number on the right is how "
        "many members have the value.",
        "churn_by_value_note_club": "Each bar is the share of members with that value who left; "
        "the thin line marks the club's average ({rate}). The number on the right is how many "
        "members have the value.",
        "lever": "lever",
        "trait": "trait",
        "role_unknown": "role not given",
        "levers": "Levers the business can move",
        "levers_club": "Levers the club can move",
        "traits": "Fixed traits",
        "unknown_roles": "Role not given",
        "unknown_roles_note": "Whether the business can move these is not known. Give each "
        "column its role with churnlab analyze --lever COL (the business can move it) or "
        "--trait COL (a fixed trait).",
        "yes": "yes",
        "no": "no",
        "means": "Stayers and leavers on average",
        "feature": "Feature",
        "stayers_mean": "Stayed",
        "leavers_mean": "Left",
        "difference": "Difference",
        "correlations": "How the features move together",
        "correlations_note": "Pearson correlation of every pair of numeric features and the "
        "outcome: red, they rise together; blue, one falls as the other rises.",
        "correlated_pairs": "Strongly correlated pairs (they carry much the same information):",
        "correlated_none": "No pair of features is strongly correlated.",
        "outcome": "left",
        # quality
        "metric": "Metric",
        "value": "Value",
        "spread": "Spread across folds (±)",
        "meaning": "What it means",
        "m_roc_auc": "ROC-AUC",
        "m_pr_auc": "PR-AUC",
        "m_brier": "Brier score",
        "m_log_loss": "Log loss",
        "m_ece": "Calibration error (ECE)",
        "m_accuracy": "Accuracy",
        "m_precision": "Precision",
        "m_recall": "Recall",
        "m_f1": "F1",
        "m_lift_top_decile": "Lift in the top 10%",
        "d_roc_auc": "how often a leaver is ranked above a stayer (1 is perfect, 0.5 is chance)",
        "d_pr_auc": "how cleanly the leavers come first in the ranking",
        "d_brier": "mean squared gap between probability and outcome (lower is better)",
        "d_log_loss": "penalty for confident mistakes (lower is better)",
        "d_ece": "average gap between predicted and observed churn (lower is better)",
        "d_accuracy": "share of members classed correctly at the threshold",
        "d_precision": "of members flagged as leaving, the share who left",
        "d_recall": "of members who left, the share flagged",
        "d_f1": "balance of precision and recall",
        "d_lift_top_decile": "how many times the average churn the riskiest 10% show",
        "learner": "Learner",
        "learner_chosen": "Chosen learner: {learner}{params}. Decision threshold {threshold}, "
        "{folds} folds.",
        "learner_logistic": "logistic regression on spline terms",
        "learner_boosting": "gradient boosting (LightGBM)",
        "candidates": "Candidates, by out-of-fold log loss (lower is better)",
        "chosen": "chosen",
        "warn_title": "Check before you trust this",
        "warn_too_good": "The model's score is too good to be true for next month's churn. "
        "Usually a column records the leaving itself (a cancellation date, a final invoice): "
        "find it and leave it out.",
        "warn_leakage": "These columns predicted the outcome almost perfectly on their own and "
        "were left out as probable leakage: {cols}.",
        "chart_roc": "ROC curve",
        "chart_roc_note": "The higher and further left, the better; the diagonal is chance.",
        "chart_pr": "Precision and recall",
        "chart_pr_note": "The dashed line is the churn rate: a model that guesses.",
        "chart_calibration": "Calibration",
        "chart_calibration_note": "Predicted against observed churn, by probability band; "
        "points on the diagonal are trustworthy probabilities. Dot size: members.",
        "chart_lift": "Lift by decile",
        "chart_lift_note": "Members ranked by probability and cut into ten equal groups: churn "
        "in each group against the average (dashed line at 1).",
        "ax_fpr": "stayers flagged (false positive rate)",
        "ax_tpr": "leavers found (true positive rate)",
        "ax_recall": "leavers found (recall)",
        "ax_precision": "flagged who left (precision)",
        "ax_predicted": "predicted churn probability",
        "ax_observed": "observed churn",
        "ax_decile": "decile (1 = riskiest 10%)",
        "ax_lift": "churn against the average",
        "leg_model": "model",
        "leg_chance": "chance",
        "leg_perfect": "perfect calibration",
        "leg_base": "churn rate",
        "leg_lever": "levers",
        "leg_trait": "fixed traits",
        "leg_unknown": "role not given",
        # drivers
        "importance_chart": "Importance",
        "importance_note": "Average change a feature makes to a member's churn probability, in "
        "percentage points.",
        "ax_importance": "mean effect on churn probability, percentage points",
        "points": "{value} pts",
        "dir_up": "The higher it is, the more members leave.",
        "dir_down": "The lower it is, the more members leave.",
        "dir_mixed": "Its effect goes both ways along its values.",
        "driver_effect": "Changes a member's churn probability by {value} percentage points on "
        "average.",
        "shapes": "How churn changes along the top drivers",
        "shapes_note": "The model's average churn probability for members in each range of the "
        "feature; the dashed line is the churn rate of all members.",
        "shapes_note_club": "The model's average churn probability for members in each range of "
        "the feature; the dashed line is the club's churn rate.",
        "ax_churn_probability": "churn probability",
        "ax_churn_rate": "churn rate",
        "none_levers": "None of the drivers is a lever.",
        "none_traits": "None of the drivers is a fixed trait.",
        # segments
        "portrait_members": "{members} members · {share} of all",
        "portrait_members_club": "{members} members · {share} of the club",
        "portrait_churn": "churn {rate}",
        "distinguishing": "Stands out by",
        "vs": "vs {value} overall",
        "segments_chart": "Size and churn of each portrait",
        "segments_chart_note": "Each circle is a portrait, numbered as the cards; its area is "
        "the number of members.",
        "ax_members": "members",
        "k_chart": "How many portraits",
        "k_chart_note": "Silhouette score by number of portraits (higher means better separated "
        "groups); the chosen number is marked.",
        "ax_k": "number of portraits",
        "ax_silhouette": "silhouette score",
        "chosen_k": "chosen: {k}",
        "stability": "Stability: {value}. Found again on resampled members, the portraits "
        "match the originals this well (adjusted Rand index; 1 means always the same).",
        "stability_unknown": "Stability was not measured.",
        "method": "Method: {method}.",
        "method_kmeans": "k-means on the standardised features, the outcome left out",
        "dendrogram": "Tree of similar members",
        "dendrogram_note": "Members merged step by step from the most alike (Ward linkage on a "
        "sample); the dashed line cuts the tree into {k} groups.",
        "ax_distance": "distance between groups",
        "ax_members_merged": "groups of members",
        "cut": "{k} groups",
        # plan
        "campaign": "The campaign",
        "campaign_members": "Members to contact",
        "expected_cost": "Expected cost",
        "expected_saving": "Expected saving",
        "expected_net": "Net",
        "assumptions": "Assumptions behind the money",
        "a_fee": "Monthly fee",
        "a_months": "A member who is kept pays for",
        "a_months_value": "{months} more months",
        "a_offer_cost": "Cost of contacting a member",
        "a_offer_cost_own": "each measure's own (see the table)",
        "a_success": "Chance that a measure keeps a member",
        "a_success_own": "each measure's own (see the table)",
        "a_budget": "Budget",
        "a_budget_none": "no limit",
        "a_currency": "Currency",
        "assumptions_note": "Change them with the options of churnlab analyze (--fee, "
        "--offer-cost, --budget): the plan and its figures follow.",
        "target_groups": "Target groups",
        "group": "Group and measure",
        "members_col": "Members",
        "avg_probability": "Average churn probability",
        "group_terms": "{cost} per member contacted; keeps {success} of them.",
        "call_list": "The first {n} members to contact",
        "call_list_note": "Ranked by expected net saving; the whole list is in plan.csv and "
        "plan.xlsx.",
        "rank": "#",
        "row": "Row",
        "probability": "Churn probability",
        "segment": "Portrait",
        "measure": "Measure",
        "no_plan": "With these economics no member is worth an offer.",
        "playbook_builtin": "The measures, their costs and success rates come from the built-in "
        "playbook “{name}” ({file} in the churnlab package). To use your own, copy that file, "
        "change it and run churnlab analyze --playbook FILE.yaml.",
        "playbook_own": "The measures, their costs and success rates come from your playbook "
        "“{name}”. The built-in playbooks (churnlab/plan/playbooks/fitness.yaml and "
        "subscription.yaml in the churnlab package) show every key; give a playbook with "
        "churnlab analyze --playbook FILE.yaml.",
        # the members' value
        "value_title": "What the members are worth",
        "value_total": "Members’ value over the next 12 months",
        "value_at_risk": "Value at risk next month",
        "value_months": "Paid months of the next 12, expected on average",
        "value_months_value": "{months} of 12",
        "value_stay_3m": "Chance of still being a member in 3 months, on average",
        "value_stay_12m": "Chance of still being a member in 12 months, on average",
        "value_note": "A member’s value is the fee and what they spend besides, over the months "
        "of the next 12 they are expected to stay; the value at risk is each member’s chance of "
        "leaving next month times their value if kept.",
        "value_note_club": "A member’s value is the fee and what they spend at the club besides, "
        "over the months of the next 12 they are expected to stay; the value at risk is each "
        "member’s chance of leaving next month times their value if kept.",
        "value_assumption": "The figures hold each member’s behaviour at its last values and do "
        "not discount later months.",
        "value_assumption_discount": "The figures hold each member’s behaviour at its last values "
        "and discount later months at {rate} a month.",
        "value_by_portrait": "Value at risk by portrait",
        "value_by_portrait_note": "Largest first: the portraits whose leaving next month would "
        "cost the most.",
        "col_value": "Value, next 12 months",
        "col_value_at_risk": "Value at risk next month",
        "col_risk_share": "Share of the value at risk",
        "portrait_at_risk": "{value} at risk next month",
        # whom to call first, and why
        "ranking_title": "Whom to call first, and why",
        "objective_saving": "What the campaign maximises: the money kept, net of the cost of the "
        "calls",
        "objective_members": "What the campaign maximises: the members kept",
        "objective_switch_saving": "to maximise the members kept instead, run with",
        "objective_switch_members": "to maximise the money kept instead, run with",
        "ranking_futility": "Ranked by risk alone, the first {before} calls would go to members "
        "almost sure to leave ({near} of {before} at {level} or more), whom a call rarely sways. "
        "Ranked by the difference a call makes, the first {now} calls keep {kept} members "
        "instead of {kept_before}, and {net} net instead of {net_before}.",
        "ranking_same": "Ranked by risk alone, the first {before} calls would keep {kept_before} "
        "members and {net_before} net ({near} of {before} at {level} or more); ranked by the "
        "difference a call makes, the first {now} calls keep {kept} members and {net} net.",
        "ranking_shared": "{shared} members are on both lists.",
        "ranking_shared_none": "No member is on both lists.",
        "ranking_rule": "How the difference a call makes is judged: a call keeps its measure’s "
        "full success rate for members up to {swayed} likely to leave, and the rate falls in a "
        "straight line to {share} of it for a member sure to leave, because members whose minds "
        "are made up are the least swayed. Once the months' control groups show a measure's own "
        "success rate, it replaces this rule.",
        "ranking_first": "First {n} calls",
        "ranking_by_risk": "By risk alone",
        "ranking_by_difference": "By the difference a call makes",
        "ranking_calls": "Calls",
        "ranking_mean_p": "Mean probability of leaving",
        "ranking_near": "Members at {level} or more",
        "ranking_kept": "Members kept, expected",
        "ranking_net": "Net, expected",
        # members
        "members_note": "The {n} members most likely to leave, with the reasons the model gives "
        "for each; every member is in {scores}.",
        "fitted_on": "The model, the drivers and the profiles of the data come from a random "
        "sample of {sample} of the {members} members; the portraits, their value and the plan "
        "count every member.",
        "tier": "Risk",
        "tier_high": "high",
        "tier_medium": "medium",
        "tier_low": "low",
        "filter_all": "All",
        "show_all": "Show all {n}",
        "scroll_hint": "Swipe sideways for every column →",
        "show_chart": "Show the chart",
        "filter_label_tier": "Show risk:",
        "filter_label_measure": "Show measure:",
        "reasons": "Why",
    },
    "ru": {
        "title": "Отчёт об оттоке клиентов",
        "source": "Данные",
        "created": "создан",
        "toc": "Содержание",
        "footer": "Сделано churnlab {version} по данным «{source}». SHA-256 обучающих данных: "
        "{hash}.",
        "footer_note": "Все оценки — вне обучения: модель, оценившая клиента, этого клиента не "
        "видела.",
        "none": "нет",
        "sec_conclusions": "Главное",
        "sec_data": "Данные кратко",
        "sec_quality": "Насколько доверять модели",
        "sec_drivers": "Что влияет на отток",
        "sec_segments": "Портреты клиентов",
        "sec_plan": "План удержания",
        "sec_members": "Клиенты в зоне риска",
        "toc_conclusions": "Главное",
        "toc_data": "Данные",
        "toc_quality": "Качество модели",
        "toc_drivers": "Факторы",
        "toc_segments": "Портреты",
        "toc_plan": "План",
        "toc_members": "Зона риска",
        "kpi_members": "Клиентов в анализе",
        "kpi_churn": "Доля ушедших",
        "kpi_churn_note": "{leavers} ушли в следующем месяце",
        "kpi_auc_note": "качество ранжирования, вне обучения",
        "kpi_call": "Кому позвонить",
        "kpi_call_note": "обойдётся примерно в {cost}",
        "kpi_saving": "Ожидаемая экономия",
        "kpi_saving_note": "{net} за вычетом затрат",
        "conclusions_lead": "Главные выводы в пяти предложениях — по цифрам ниже.",
        "rows_read": "Прочитано строк",
        "rows_rejected": "Отклонено строк",
        "members_used": "Клиентов в анализе",
        "leavers": "Ушли",
        "churn_rate": "Доля ушедших",
        "set_aside": "Отложенные столбцы",
        "set_aside_none": "Ни один столбец не отложен: использованы все столбцы таблицы.",
        "column": "Столбец",
        "reason": "Причина",
        "churn_by_value": "Отток по значениям признаков",
        "churn_by_value_note": "Полоса — доля ушедших среди клиентов с этим значением; тонкая "
        "линия — среднее по всем клиентам ({rate}). Число справа — сколько клиентов с этим "
        "значением.",
        "churn_by_value_note_club": "Полоса — доля ушедших среди клиентов с этим значением; "
        "тонкая линия — среднее по клубу ({rate}). Число справа — сколько клиентов с этим "
        "значением.",
        "lever": "рычаг",
        "trait": "свойство",
        "role_unknown": "роль не задана",
        "levers": "Рычаги, на которые компания может влиять",
        "levers_club": "Рычаги, на которые клуб может влиять",
        "traits": "Постоянные свойства",
        "unknown_roles": "Роль не задана",
        "unknown_roles_note": "Может ли компания на них влиять, неизвестно. Задайте роль каждого "
        "столбца параметрами churnlab analyze: --lever COL (компания может на него влиять) или "
        "--trait COL (постоянное свойство).",
        "yes": "да",
        "no": "нет",
        "means": "Оставшиеся и ушедшие в среднем",
        "feature": "Признак",
        "stayers_mean": "Остались",
        "leavers_mean": "Ушли",
        "difference": "Разница",
        "correlations": "Как признаки связаны друг с другом",
        "correlations_note": "Корреляция Пирсона для каждой пары числовых признаков и исхода: "
        "красный — растут вместе, синий — один растёт, другой падает.",
        "correlated_pairs": "Сильно связанные пары (несут почти одну и ту же информацию):",
        "correlated_none": "Сильно связанных пар признаков нет.",
        "outcome": "ушёл",
        "metric": "Метрика",
        "value": "Значение",
        "spread": "Разброс по фолдам (±)",
        "meaning": "Что это значит",
        "m_roc_auc": "ROC-AUC",
        "m_pr_auc": "PR-AUC",
        "m_brier": "Оценка Брайера",
        "m_log_loss": "Логарифмическая потеря",
        "m_ece": "Ошибка калибровки (ECE)",
        "m_accuracy": "Доля верных ответов",
        "m_precision": "Точность",
        "m_recall": "Полнота",
        "m_f1": "F1",
        "m_lift_top_decile": "Лифт в верхних 10 %",
        "d_roc_auc": "как часто уходящий клиент стоит выше остающегося (1 — идеально, 0,5 — "
        "случайно)",
        "d_pr_auc": "насколько чисто уходящие идут первыми в рейтинге",
        "d_brier": "средний квадрат разницы между вероятностью и исходом (меньше — лучше)",
        "d_log_loss": "штраф за уверенные ошибки (меньше — лучше)",
        "d_ece": "средний разрыв между прогнозом и фактическим оттоком (меньше — лучше)",
        "d_accuracy": "доля клиентов, верно отнесённых к ушедшим или оставшимся при пороге",
        "d_precision": "из отмеченных как уходящие — доля действительно ушедших",
        "d_recall": "из ушедших — доля отмеченных моделью",
        "d_f1": "баланс точности и полноты",
        "d_lift_top_decile": "во сколько раз отток у 10 % самых рискованных выше среднего",
        "learner": "Модель",
        "learner_chosen": "Выбранная модель: {learner}{params}. Порог решения {threshold}, "
        "фолдов: {folds}.",
        "learner_logistic": "логистическая регрессия на сплайнах",
        "learner_boosting": "градиентный бустинг (LightGBM)",
        "candidates": "Кандидаты по логарифмической потере вне обучения (меньше — лучше)",
        "chosen": "выбрана",
        "warn_title": "Проверьте, прежде чем доверять",
        "warn_too_good": "Оценка модели слишком хороша для оттока следующего месяца. Обычно это "
        "значит, что какой-то столбец фиксирует сам уход (дату расторжения, последний счёт): "
        "найдите его и исключите.",
        "warn_leakage": "Эти столбцы почти идеально предсказывали исход сами по себе и отложены "
        "как вероятная утечка: {cols}.",
        "chart_roc": "ROC-кривая",
        "chart_roc_note": "Чем выше и левее кривая, тем лучше; диагональ — случайное угадывание.",
        "chart_pr": "Точность и полнота",
        "chart_pr_note": "Пунктир — доля ушедших: модель, которая угадывает наугад.",
        "chart_calibration": "Калибровка",
        "chart_calibration_note": "Прогноз против фактического оттока по диапазонам вероятности; "
        "точки на диагонали — вероятностям можно верить. Размер точки — число клиентов.",
        "chart_lift": "Лифт по децилям",
        "chart_lift_note": "Клиенты упорядочены по вероятности и разбиты на десять равных групп: "
        "отток в каждой группе относительно среднего (пунктир на 1).",
        "ax_fpr": "отмеченные из оставшихся (доля ложных тревог)",
        "ax_tpr": "найденные из ушедших (полнота)",
        "ax_recall": "найденные из ушедших (полнота)",
        "ax_precision": "ушли из отмеченных (точность)",
        "ax_predicted": "прогноз вероятности ухода",
        "ax_observed": "фактический отток",
        "ax_decile": "дециль (1 — 10 % самых рискованных)",
        "ax_lift": "отток относительно среднего",
        "leg_model": "модель",
        "leg_chance": "случайно",
        "leg_perfect": "идеальная калибровка",
        "leg_base": "доля ушедших",
        "leg_lever": "рычаги",
        "leg_trait": "постоянные свойства",
        "leg_unknown": "роль не задана",
        "importance_chart": "Важность",
        "importance_note": "Насколько в среднем признак меняет вероятность ухода клиента, в "
        "процентных пунктах.",
        "ax_importance": "среднее влияние на вероятность ухода, п.п.",
        "points": "{value} п.п.",
        "dir_up": "Чем выше значение, тем больше уходят.",
        "dir_down": "Чем ниже значение, тем больше уходят.",
        "dir_mixed": "Влияние меняет знак в разных диапазонах значений.",
        "driver_effect": "В среднем меняет вероятность ухода клиента на {value} процентных пункта.",
        "shapes": "Как меняется отток вдоль главных факторов",
        "shapes_note": "Средняя вероятность ухода по модели для клиентов в каждом диапазоне "
        "признака; пунктир — доля ушедших среди всех клиентов.",
        "shapes_note_club": "Средняя вероятность ухода по модели для клиентов в каждом диапазоне "
        "признака; пунктир — доля ушедших по клубу.",
        "ax_churn_probability": "вероятность ухода",
        "ax_churn_rate": "доля ушедших",
        "none_levers": "Ни один из факторов не является рычагом.",
        "none_traits": "Ни один из факторов не является постоянным свойством.",
        "portrait_members": "{members} клиентов · {share} всех клиентов",
        "portrait_members_club": "{members} клиентов · {share} клуба",
        "portrait_churn": "отток {rate}",
        "distinguishing": "Отличается тем, что",
        "vs": "против {value} в среднем",
        "segments_chart": "Размер и отток каждого портрета",
        "segments_chart_note": "Каждый круг — портрет с номером карточки; площадь круга — число "
        "клиентов.",
        "ax_members": "клиентов",
        "k_chart": "Сколько портретов",
        "k_chart_note": "Силуэт по числу портретов (выше — группы лучше разделены); выбранное "
        "число отмечено.",
        "ax_k": "число портретов",
        "ax_silhouette": "силуэт",
        "chosen_k": "выбрано: {k}",
        "stability": "Устойчивость: {value}. Настолько совпадают портреты, найденные заново на "
        "повторных выборках клиентов, с исходными (скорректированный индекс Рэнда; 1 — всегда "
        "одни и те же).",
        "stability_unknown": "Устойчивость не измерялась.",
        "method": "Метод: {method}.",
        "method_kmeans": "метод k-средних на стандартизованных признаках, без исхода",
        "dendrogram": "Дерево похожих клиентов",
        "dendrogram_note": "Клиенты объединяются шаг за шагом, начиная с самых похожих (метод "
        "Уорда на выборке); пунктир делит дерево на {k} групп.",
        "ax_distance": "расстояние между группами",
        "ax_members_merged": "группы клиентов",
        "cut": "{k} групп",
        "campaign": "Кампания",
        "campaign_members": "Кому позвонить",
        "expected_cost": "Ожидаемые затраты",
        "expected_saving": "Ожидаемая экономия",
        "expected_net": "Чистый итог",
        "assumptions": "Допущения, на которых стоят расчёты",
        "a_fee": "Ежемесячный взнос",
        "a_months": "Удержанный клиент платит ещё",
        "a_months_value": "{months} мес.",
        "a_offer_cost": "Стоимость обращения к клиенту",
        "a_offer_cost_own": "своя у каждой меры (см. таблицу)",
        "a_success": "Вероятность, что мера удержит клиента",
        "a_success_own": "своя у каждой меры (см. таблицу)",
        "a_budget": "Бюджет",
        "a_budget_none": "без ограничения",
        "a_currency": "Валюта",
        "assumptions_note": "Их можно изменить параметрами churnlab analyze (--fee, --offer-cost, "
        "--budget) — план и его цифры пересчитаются.",
        "target_groups": "Целевые группы",
        "group": "Группа и мера",
        "members_col": "Клиентов",
        "avg_probability": "Средняя вероятность ухода",
        "group_terms": "{cost} на клиента; удерживает {success} из них.",
        "call_list": "Первые {n} клиентов для обзвона",
        "call_list_note": "По убыванию ожидаемой чистой экономии; полный список — в plan.csv "
        "и plan.xlsx.",
        "rank": "№",
        "row": "Строка",
        "probability": "Вероятность ухода",
        "segment": "Портрет",
        "measure": "Мера",
        "no_plan": "При этих экономических условиях ни одно предложение не окупается.",
        "playbook_builtin": "Меры, их стоимость и вероятность успеха взяты из встроенного плана "
        "«{name}» (файл {file} в пакете churnlab). Чтобы задать свои, скопируйте этот файл, "
        "измените его и запустите churnlab analyze --playbook ФАЙЛ.yaml.",
        "playbook_own": "Меры, их стоимость и вероятность успеха взяты из вашего плана «{name}». "
        "Встроенные планы (churnlab/plan/playbooks/fitness.yaml и subscription.yaml в пакете "
        "churnlab) показывают все ключи; свой план задаётся так: "
        "churnlab analyze --playbook ФАЙЛ.yaml.",
        "value_title": "Сколько стоят клиенты",
        "value_total": "Ценность клиентов за ближайшие 12 месяцев",
        "value_at_risk": "Ценность под угрозой в следующем месяце",
        "value_months": "Оплаченных месяцев из ближайших 12, ожидается в среднем",
        "value_months_value": "{months} из 12",
        "value_stay_3m": "Вероятность остаться клиентом через 3 месяца, в среднем",
        "value_stay_12m": "Вероятность остаться клиентом через 12 месяцев, в среднем",
        "value_note": "Ценность клиента — взнос и прочие траты за те месяцы из ближайших 12, "
        "которые он, как ожидается, останется; ценность под угрозой — вероятность ухода клиента "
        "в следующем месяце, умноженная на его ценность, если его удержать.",
        "value_note_club": "Ценность клиента — взнос и прочие траты в клубе за те месяцы из "
        "ближайших 12, которые он, как ожидается, останется; ценность под угрозой — вероятность "
        "ухода клиента в следующем месяце, умноженная на его ценность, если его удержать.",
        "value_assumption": "Расчёт принимает поведение каждого клиента неизменным, как в "
        "последних данных, и не дисконтирует будущие месяцы.",
        "value_assumption_discount": "Расчёт принимает поведение каждого клиента неизменным, как "
        "в последних данных, и дисконтирует будущие месяцы по ставке {rate} в месяц.",
        "value_by_portrait": "Ценность под угрозой по портретам",
        "value_by_portrait_note": "Сначала портреты, уход которых в следующем месяце обошёлся бы "
        "дороже всего.",
        "col_value": "Ценность за ближайшие 12 месяцев",
        "col_value_at_risk": "Под угрозой в следующем месяце",
        "col_risk_share": "Доля ценности под угрозой",
        "portrait_at_risk": "под угрозой в следующем месяце: {value}",
        "ranking_title": "Кому звонить первым и почему",
        "objective_saving": "Что кампания делает наибольшим: сохранённые деньги за вычетом затрат "
        "на звонки",
        "objective_members": "Что кампания делает наибольшим: число удержанных клиентов",
        "objective_switch_saving": "чтобы сделать наибольшим число удержанных клиентов, "
        "запустите с",
        "objective_switch_members": "чтобы сделать наибольшими сохранённые деньги, запустите с",
        "ranking_futility": "Если упорядочить звонки только по риску, первыми оказались бы "
        "клиенты, которые почти наверняка уйдут: у {near} из {before} первых вероятность ухода "
        "{level} и выше, а таких звонок редко переубеждает. Если упорядочить по тому, что меняет "
        "звонок, первые {now} удержат {kept} клиента вместо {kept_before}, а чистый итог "
        "составит {net} вместо {net_before}.",
        "ranking_same": "Если упорядочить звонки только по риску, первые {before} удержали бы "
        "{kept_before} клиента с чистым итогом {net_before} (у {near} из {before} вероятность "
        "ухода {level} и выше); если по тому, что меняет звонок, первые {now} удержат {kept} "
        "клиента с чистым итогом {net}.",
        "ranking_shared": "Клиентов в обоих списках: {shared}.",
        "ranking_shared_none": "Ни один клиент не попал в оба списка.",
        "ranking_rule": "Как оценивается, что меняет звонок: для клиентов с вероятностью ухода до "
        "{swayed} мера сохраняет полную долю успеха, а дальше доля линейно снижается до {share} "
        "от неё для клиента, который уйдёт наверняка: кто твёрдо решил уйти, того труднее всего "
        "переубедить. Когда контрольные группы месяцев покажут собственную долю успеха меры, "
        "она заменит это правило.",
        "ranking_first": "Первые звонки: {n}",
        "ranking_by_risk": "Только по риску",
        "ranking_by_difference": "По тому, что меняет звонок",
        "ranking_calls": "Звонков",
        "ranking_mean_p": "Средняя вероятность ухода",
        "ranking_near": "Клиентов с вероятностью {level} и выше",
        "ranking_kept": "Удержано клиентов, ожидается",
        "ranking_net": "Чистый итог, ожидается",
        "members_note": "{n} клиентов с наибольшей вероятностью ухода и причины, которые называет "
        "модель; все клиенты — в {scores}.",
        "fitted_on": "Модель, факторы ухода и профили данных получены на случайной выборке из "
        "{sample} клиентов (всего {members}); портреты, их ценность и план учитывают всех "
        "клиентов.",
        "tier": "Риск",
        "tier_high": "высокий",
        "tier_medium": "средний",
        "tier_low": "низкий",
        "filter_all": "Все",
        "show_all": "Показать все {n}",
        "scroll_hint": "Листайте вбок, чтобы увидеть все столбцы →",
        "show_chart": "Показать диаграмму",
        "filter_label_tier": "Показать риск:",
        "filter_label_measure": "Показать меру:",
        "reasons": "Почему",
    },
}

LANGS = tuple(TEXT)


def t(key: str, lang: str, *, club: bool = False, **fields: Any) -> str:
    """The UI string ``key`` in ``lang`` (English when the language is unknown), formatted;
    with ``club``, its club wording (``key_club``) when it has one.

    Raises
    ------
    KeyError
        No such string: a typo in the template or the code.
    """
    texts = TEXT.get(lang, TEXT["en"])
    text = texts.get(f"{key}_club", texts[key]) if club else texts[key]
    return text.format(**fields) if fields else text


def num(value: Any, digits: int = 0, lang: str = "en") -> str:
    """A number with digit groups and the language's decimal mark; "—" when missing
    (:func:`churnlab.data.numbers.num`, which the inference's sentences write theirs with)."""
    return numbers.num(value, digits, lang)


def pct(share: Any, lang: str = "en", digits: int = 1) -> str:
    """A share as a percentage, trailing zeros dropped: ``26.5%`` / ``26,5 %``."""
    if numbers.is_missing(share):
        return "—"
    text = num(100 * float(share), digits, lang)
    if digits:
        mark = "," if lang == "ru" else "."
        text = text.rstrip("0").rstrip(mark)
    return f"{text}{NBSP}%" if lang == "ru" else f"{text}%"
