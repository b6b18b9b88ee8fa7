"""The words of a month's page and of the spreadsheets' headers, in English and Russian.

:data:`MONTH_TEXT` holds the month report's UI strings (as :data:`churnlab.report.i18n.TEXT`
does the analysis report's, with the same ``_club`` twins); :data:`HEADERS` the readable headers
of the columns a marketer opens in ``plan.xlsx`` (machine names stay in the CSV files).

Examples
--------
>>> HEADERS["ru"]["churn_probability"], HEADERS["en"]["expected_net"]
('Вероятность ухода', 'Expected net')
"""

from __future__ import annotations

__all__ = ["HEADERS", "MONTH_TEXT"]

HEADERS: dict[str, dict[str, str]] = {
    "en": {
        "rank": "Rank",
        "row": "Row",
        "churn_probability": "Probability of leaving",
        "risk_tier": "Risk",
        "segment": "Portrait no.",
        "segment_name": "Portrait",
        "measure": "Measure id",
        "measure_title": "Measure",
        "script": "What to do",
        "expected_cost": "Expected cost",
        "expected_saving": "Expected saving",
        "expected_net": "Expected net",
        "group": "Group",
    },
    "ru": {
        "rank": "Место",
        "row": "Строка",
        "churn_probability": "Вероятность ухода",
        "risk_tier": "Риск",
        "segment": "Портрет №",
        "segment_name": "Портрет",
        "measure": "Код меры",
        "measure_title": "Мера",
        "script": "Что сделать",
        "expected_cost": "Ожидаемые затраты",
        "expected_saving": "Ожидаемая выгода",
        "expected_net": "Ожидаемый итог",
        "group": "Группа",
    },
}

MONTH_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "month_title": "The month {month}",
        "month_title_club": "The club's month {month}",
        "month_eyebrow": "churnlab · monthly run",
        "month_sub": "{members} members from {source}, scored with the model of {folder}",
        "k_scored": "Members scored",
        "k_rejected": "{n} rows set aside (see rejects.csv)",
        "k_high": "High risk",
        "k_expected": "Expected to leave this month",
        "k_expected_sub": "the sum of every member's probability",
        "k_calls": "Calls to make",
        "k_calls_sub": "{control} more held back as the control group",
        "k_net": "Expected net of the calls",
        "k_net_sub": "cost {cost}, saving {saving}: assumptions",
        "sec_changes": "Since last month",
        "changes_none": (
            "This is the first month in the history: next month's page compares with it."
        ),
        "changes_lead": "Against {month}, the history's previous month:",
        "ch_before": "Members then",
        "ch_stayed": "Still here",
        "ch_new": "New",
        "ch_gone": "Gone (left, or not in this export)",
        "ch_mean": "Mean risk",
        "ch_rose": "Risk up by 5+ points",
        "ch_high": "Newly high risk",
        "sec_calls": "This month's calls",
        "calls_lead": (
            "The campaign under the budget, best first. Call the members of the contact group; "
            "the control group is not called (see below). The full list with each measure's "
            "script is in plan.xlsx and plan.csv."
        ),
        "by_measure": "By measure",
        "col_measure": "Measure",
        "col_contact": "Call",
        "col_control": "Hold back",
        "col_cost": "Expected cost",
        "col_saving": "Expected saving",
        "first_calls": "The first {n} calls",
        "col_rank": "#",
        "col_member": "Member",
        "col_p": "Probability",
        "col_portrait": "Portrait",
        "col_why": "Why",
        "sec_control": "The control group",
        "control_lead": (
            "{control} of the campaign's {members} members ({share}) are held back at random "
            "within each measure, among members of like risk: do not contact them. Next month, "
            "their churn against the contacted members' shows what each measure really achieved; "
            "until then every success rate is the playbook's assumption."
        ),
        "control_lead_measured": (
            "{control} of the campaign's {members} members ({share}) are held back at random "
            "within each measure, among members of like risk: do not contact them. Next month, "
            "their churn against the contacted members' shows what each measure really achieved; "
            "the success rates marked measured already come from earlier months' control groups."
        ),
        "control_none": (
            "No control group this month (--control-share 0): next month cannot tell what the "
            "calls achieved."
        ),
        "col_p_contact": "Mean probability, call",
        "col_p_control": "Mean probability, hold back",
        "sec_portraits": "Who is at risk",
        "portraits_lead": "This month's members by portrait.",
        "col_members": "Members",
        "col_mean_p": "Mean probability",
        "col_expected": "Expected to leave",
        "assumptions": (
            "Costs, success rates and the value of a kept member are the playbook's planning "
            "assumptions until the months measure them."
        ),
        "footer_month": "Made by churnlab {version} on {created}. Files: {files}.",
        # the review of last month
        "sec_review": "Last month, reviewed",
        "rv_lead": (
            "Before planning this month, the run closed {month}: who left, how good the "
            "predictions were, and what each measure achieved against its control group."
        ),
        "rv_none": (
            "Nothing to review yet: this is the first month. Next month's run will count who "
            "left and measure this month's calls against the control group."
        ),
        "rv_none_club": (
            "Nothing to review yet: this is the club's first month. Next month's run will count "
            "who left and measure this month's calls against the control group."
        ),
        "rv_none_no_control": (
            "Nothing to review yet: this is the first month. Next month's run will count who "
            "left; with no control group this month, it cannot measure what the calls achieved."
        ),
        "rv_none_no_control_club": (
            "Nothing to review yet: this is the club's first month. Next month's run will count "
            "who left; with no control group this month, it cannot measure what the calls "
            "achieved."
        ),
        "rv_h_outcomes": "Who left",
        "rv_k_left": "Left",
        "rv_k_expected": "Expected",
        "rv_k_band": "95% band",
        "rv_k_joined": "Joined",
        "rv_left": "Of the {scored} members scored in {month}, {left} left ({rate}).",
        "rv_expected": "The model expected {expected} (95% band {low}–{high}).",
        "rv_expected_no_band": "The model expected {expected}.",
        "rv_within": "That is inside the band: the model foresaw the total well.",
        "rv_above": (
            "That is above the band: more left than the model foresaw, so this month's "
            "probabilities may be too low."
        ),
        "rv_below": (
            "That is below the band: fewer left than the model foresaw (the calls may account "
            "for part of it)."
        ),
        "rv_outside": "That is outside the model's 95% band.",
        "rv_from_file": "{n} of the outcomes were given in {file}.",
        "rv_unmatched": (
            "{n} rows of that file named members not scored in {month}: they are ignored and "
            "listed in outcomes_rejects.csv."
        ),
        "rv_h_predictions": "The predictions, back-tested",
        "rv_predictions_lead": (
            "Last month's probabilities against what happened, for every member and for the "
            "untreated ones only."
        ),
        "rv_untreated_why": (
            "The untreated view (the control group and the members outside the campaign) "
            "matters because calls change outcomes: a contacted member who stayed may have "
            "stayed because of the call, which makes the model look worse than it is."
        ),
        "rv_col_metric": "Measure of quality",
        "rv_col_all": "All members",
        "rv_col_untreated": "Untreated",
        "rv_m_members": "Members",
        "rv_m_left": "Left",
        "rv_m_churn": "Churn",
        "rv_m_predicted": "Mean predicted probability",
        "rv_m_predicted_note": "close to the churn above when the total is right",
        "rv_m_auc": "ROC-AUC (95% interval)",
        "rv_m_auc_note": (
            "how often a leaver was ranked above a stayer (1 is perfect, 0.5 is chance)"
        ),
        "rv_m_brier": "Brier score",
        "rv_m_brier_note": "mean squared gap between probability and outcome (lower is better)",
        "rv_m_ece": "Calibration error",
        "rv_m_ece_note": "the average gap between predicted and observed churn (lower is better)",
        "rv_m_lift": "Top-decile lift",
        "rv_m_lift_note": "how many times the average churn the riskiest tenth had",
        "rv_times": "{value}×",
        "rv_h_tiers": "Calibration by risk tier",
        "rv_col_tier": "Risk tier",
        "rv_col_members": "Members",
        "rv_col_predicted": "Predicted",
        "rv_col_observed": "Observed",
        "rv_col_u_members": "Untreated members",
        "rv_col_u_predicted": "Untreated, predicted",
        "rv_col_u_observed": "Untreated, observed",
        "rv_h_history": "Month over month",
        "rv_spark_label": "ROC-AUC month over month",
        "rv_col_month": "Month",
        "rv_col_left": "Left",
        "rv_col_churn": "Churn",
        "rv_col_expected": "Expected",
        "rv_col_auc": "ROC-AUC",
        "rv_col_brier": "Brier",
        "rv_col_ece": "Calibration error",
        "rv_h_measures": "What the measures did",
        "rv_measures_lead": (
            "Each measure's contacted members against its control group, held back at random: "
            "the difference in churn is what the measure did. Its measured success rate now "
            "replaces the playbook's assumption in this month's plan."
        ),
        "rv_measures_none": "Last month's campaign had no measures to review.",
        "rv_col_contacted": "Contacted",
        "rv_col_control_group": "Control group",
        "rv_row_members": "Members",
        "rv_row_left": "Left",
        "rv_row_churn": "Churn",
        "rv_d_uplift": "Fewer left (95% interval)",
        "rv_d_success": "Success rate, measured",
        "rv_d_prior": "Playbook's assumption",
        "rv_d_p_pays": "Chance it pays for itself",
        "rv_d_saves": "Members kept",
        "rv_d_value": "Their value",
        "rv_d_cost": "Cost",
        "rv_d_net": "Net",
        "rv_status_works": "Working",
        "rv_status_unclear": "Not yet clear",
        "rv_status_worse": "More left among the contacted",
        "rv_status_none": "No control group to compare",
        "rv_thin": (
            "The evidence is still thin (worth {evidence} observations, the playbook's "
            "assumption 10): the success rate still leans on the assumption."
        ),
        "rv_pp_label": "Per-protocol, not randomised",
        "rv_pp_text": (
            "Staff recorded {recorded} calls and reached {reached} members, of whom {left} left "
            "({churn}); against the control group that is {uplift} fewer. Members who were "
            "reached are not a random group, so this view is a hint, not a measurement."
        ),
        "rv_h_drift": "Have the members changed?",
        "rv_drift_lead": (
            "{members} members this month against the {reference} the model learned from."
        ),
        "rv_drift_missing": (
            "No drift check: the folder keeps no reference of the members the model learned "
            "from (it was analysed by an earlier churnlab). Analysing it again adds one."
        ),
        "rv_drift_none": "No drift: the members look like those the model learned from.",
        "rv_drift_rest": "The other {n} features: no drift",
        "rv_col_feature": "Feature",
        "rv_col_change": "Change",
        "rv_col_statistic": "Distance (threshold)",
        "rv_col_shift": "Churn shift",
        "rv_mean_change": "mean {before} → {after}",
        "rv_share_change": "share of “{value}” {before} → {after}",
        "rv_stat_wasserstein_scaled": "Wasserstein distance",
        "rv_stat_jensen_shannon": "Jensen–Shannon distance",
        "rv_statistic": "{name} {value} (threshold {threshold})",
        "rv_h_recommendation": "The recommendation",
        "rv_retrain": (
            "Retrain the model: analyse the latest labelled history again (churnlab analyze)."
        ),
        "rv_keep": "No need to retrain: the model still holds.",
        "rv_reason_drift": (
            "The members have changed since the model learned (see the drift above): it "
            "learned from members unlike today's."
        ),
        "rv_reason_auc_drop": (
            "The ranking has weakened: last month's ROC-AUC fell clearly below the model's "
            "earlier months."
        ),
        "rv_reason_miscalibrated": (
            "The probabilities are off: predicted and observed churn differ more than chance "
            "allows."
        ),
        "col_success": "Success rate",
        "rv_success_measured": "{rate}, measured",
        "rv_success_assumed": "{rate}, assumed (playbook)",
        "assumptions_measured": (
            "Costs and the value of a kept member are the playbook's planning assumptions; a "
            "success rate marked measured comes from the control groups of the months closed, "
            "the others are the playbook's assumption."
        ),
    },
    "ru": {
        "month_title": "Месяц {month}",
        "month_title_club": "Месяц клуба {month}",
        "month_eyebrow": "churnlab · ежемесячный запуск",
        "month_sub": "{members} клиентов из {source}, оценены моделью папки {folder}",
        "k_scored": "Оценено клиентов",
        "k_rejected": "{n} строк отложено (см. rejects.csv)",
        "k_high": "Высокий риск",
        "k_expected": "Ожидается уходов в этом месяце",
        "k_expected_sub": "сумма вероятностей всех клиентов",
        "k_calls": "Звонков сделать",
        "k_calls_sub": "ещё {control} в контрольной группе",
        "k_net": "Ожидаемый итог звонков",
        "k_net_sub": "затраты {cost}, выгода {saving}: допущения",
        "sec_changes": "С прошлого месяца",
        "changes_none": (
            "Это первый месяц в истории: страница следующего месяца сравнит себя с ним."
        ),
        "changes_lead": "По сравнению с {month}, предыдущим месяцем истории:",
        "ch_before": "Клиентов тогда",
        "ch_stayed": "Остались",
        "ch_new": "Новые",
        "ch_gone": "Ушли (или не попали в выгрузку)",
        "ch_mean": "Средний риск",
        "ch_rose": "Риск вырос на 5+ п.",
        "ch_high": "Впервые высокий риск",
        "sec_calls": "Звонки этого месяца",
        "calls_lead": (
            "Кампания в рамках бюджета, лучшие сначала. Звоните клиентам группы «звонок»; "
            "контрольной группе не звонят (см. ниже). Полный список со сценарием каждой меры — "
            "в plan.xlsx и plan.csv."
        ),
        "by_measure": "По мерам",
        "col_measure": "Мера",
        "col_contact": "Звонок",
        "col_control": "Контроль",
        "col_cost": "Ожидаемые затраты",
        "col_saving": "Ожидаемая выгода",
        "first_calls": "Первые {n} звонков",
        "col_rank": "№",
        "col_member": "Клиент",
        "col_p": "Вероятность",
        "col_portrait": "Портрет",
        "col_why": "Почему",
        "sec_control": "Контрольная группа",
        "control_lead": (
            "{control} из {members} клиентов кампании ({share}) случайно отложены внутри каждой "
            "меры, среди клиентов с похожим риском: с ними не связываются. В следующем месяце "
            "их отток в сравнении с оттоком тех, кому звонили, покажет, что на самом деле дала "
            "каждая мера; до тех пор доли успеха — допущения плана."
        ),
        "control_lead_measured": (
            "{control} из {members} клиентов кампании ({share}) случайно отложены внутри каждой "
            "меры, среди клиентов с похожим риском: с ними не связываются. В следующем месяце "
            "их отток в сравнении с оттоком тех, кому звонили, покажет, что на самом деле дала "
            "каждая мера; доли успеха с пометкой «измерена» уже получены по контрольным группам "
            "прежних месяцев."
        ),
        "control_none": (
            "В этом месяце контрольной группы нет (--control-share 0): следующий месяц не сможет "
            "показать, что дали звонки."
        ),
        "col_p_contact": "Средняя вероятность, звонок",
        "col_p_control": "Средняя вероятность, контроль",
        "sec_portraits": "Кто в зоне риска",
        "portraits_lead": "Клиенты этого месяца по портретам.",
        "col_members": "Клиентов",
        "col_mean_p": "Средняя вероятность",
        "col_expected": "Ожидается уходов",
        "assumptions": (
            "Затраты, доли успеха и ценность удержанного клиента — допущения плана, пока их не "
            "измерят месяцы."
        ),
        "footer_month": "Сделано churnlab {version} {created}. Файлы: {files}.",
        # итоги прошлого месяца
        "sec_review": "Итоги прошлого месяца",
        "rv_lead": (
            "Прежде чем планировать этот месяц, запуск закрыл {month}: кто ушёл, насколько "
            "точны были прогнозы и что дала каждая мера в сравнении с контрольной группой."
        ),
        "rv_none": (
            "Подводить итоги пока нечего: это первый месяц. Запуск следующего месяца посчитает, "
            "кто ушёл, и сравнит звонки этого месяца с контрольной группой."
        ),
        "rv_none_club": (
            "Подводить итоги пока нечего: это первый месяц клуба. Запуск следующего месяца "
            "посчитает, кто ушёл, и сравнит звонки этого месяца с контрольной группой."
        ),
        "rv_none_no_control": (
            "Подводить итоги пока нечего: это первый месяц. Запуск следующего месяца посчитает, "
            "кто ушёл; без контрольной группы в этом месяце он не сможет измерить, что дали "
            "звонки."
        ),
        "rv_none_no_control_club": (
            "Подводить итоги пока нечего: это первый месяц клуба. Запуск следующего месяца "
            "посчитает, кто ушёл; без контрольной группы в этом месяце он не сможет измерить, "
            "что дали звонки."
        ),
        "rv_h_outcomes": "Кто ушёл",
        "rv_k_left": "Ушли",
        "rv_k_expected": "Ожидалось",
        "rv_k_band": "95-процентный интервал",
        "rv_k_joined": "Пришли",
        "rv_left": "Из {scored} клиентов, оценённых в {month}, ушли {left} ({rate}).",
        "rv_expected": "Модель ожидала {expected} (95-процентный интервал {low}–{high}).",
        "rv_expected_no_band": "Модель ожидала {expected}.",
        "rv_within": "Это внутри интервала: модель верно предвидела итог.",
        "rv_above": (
            "Это выше интервала: ушло больше, чем предвидела модель, поэтому вероятности этого "
            "месяца могут быть занижены."
        ),
        "rv_below": (
            "Это ниже интервала: ушло меньше, чем предвидела модель (отчасти, возможно, "
            "благодаря звонкам)."
        ),
        "rv_outside": "Это вне 95-процентного интервала модели.",
        "rv_from_file": "Исходы {n} клиентов взяты из файла {file}.",
        "rv_unmatched": (
            "{n} строк этого файла называют клиентов, не оценённых в {month}: они не учтены и "
            "перечислены в outcomes_rejects.csv."
        ),
        "rv_h_predictions": "Проверка прогнозов",
        "rv_predictions_lead": (
            "Вероятности прошлого месяца против того, что произошло, — для всех клиентов и "
            "только для тех, с кем не работали."
        ),
        "rv_untreated_why": (
            "Взгляд на тех, с кем не работали (контрольная группа и клиенты вне кампании), "
            "важен потому, что звонки меняют исходы: клиент, которому позвонили и который "
            "остался, мог остаться благодаря звонку, и модель из-за этого выглядит хуже, чем "
            "она есть."
        ),
        "rv_col_metric": "Показатель качества",
        "rv_col_all": "Все клиенты",
        "rv_col_untreated": "Без воздействия",
        "rv_m_members": "Клиентов",
        "rv_m_left": "Ушли",
        "rv_m_churn": "Отток",
        "rv_m_predicted": "Средняя предсказанная вероятность",
        "rv_m_predicted_note": "близка к оттоку выше, когда итог предсказан верно",
        "rv_m_auc": "ROC-AUC (95-процентный интервал)",
        "rv_m_auc_note": (
            "как часто ушедший клиент стоял выше оставшегося (1 — идеально, 0,5 — случайно)"
        ),
        "rv_m_brier": "Оценка Брайера",
        "rv_m_brier_note": "средний квадрат разницы между вероятностью и исходом (меньше — лучше)",
        "rv_m_ece": "Ошибка калибровки",
        "rv_m_ece_note": (
            "средняя разница между предсказанным и фактическим оттоком (меньше — лучше)"
        ),
        "rv_m_lift": "Лифт верхнего дециля",
        "rv_m_lift_note": "во сколько раз отток самой рискованной десятой части выше среднего",
        "rv_times": "{value}×",
        "rv_h_tiers": "Калибровка по уровням риска",
        "rv_col_tier": "Уровень риска",
        "rv_col_members": "Клиентов",
        "rv_col_predicted": "Прогноз",
        "rv_col_observed": "Факт",
        "rv_col_u_members": "Без воздействия, клиентов",
        "rv_col_u_predicted": "Без воздействия, прогноз",
        "rv_col_u_observed": "Без воздействия, факт",
        "rv_h_history": "Месяц за месяцем",
        "rv_spark_label": "ROC-AUC месяц за месяцем",
        "rv_col_month": "Месяц",
        "rv_col_left": "Ушли",
        "rv_col_churn": "Отток",
        "rv_col_expected": "Ожидалось",
        "rv_col_auc": "ROC-AUC",
        "rv_col_brier": "Брайер",
        "rv_col_ece": "Ошибка калибровки",
        "rv_h_measures": "Что дали меры",
        "rv_measures_lead": (
            "Клиенты, с которыми связались, против контрольной группы той же меры, отложенной "
            "случайно: разница в оттоке — это то, что дала мера. Измеренная доля успеха теперь "
            "заменяет в плане этого месяца допущение плана."
        ),
        "rv_measures_none": "В кампании прошлого месяца не было мер для проверки.",
        "rv_col_contacted": "Связались",
        "rv_col_control_group": "Контрольная группа",
        "rv_row_members": "Клиентов",
        "rv_row_left": "Ушли",
        "rv_row_churn": "Отток",
        "rv_d_uplift": "Ушло меньше (95-процентный интервал)",
        "rv_d_success": "Доля успеха, измеренная",
        "rv_d_prior": "Допущение плана",
        "rv_d_p_pays": "Вероятность, что мера окупается",
        "rv_d_saves": "Удержано клиентов",
        "rv_d_value": "Их ценность",
        "rv_d_cost": "Затраты",
        "rv_d_net": "Итог",
        "rv_status_works": "Работает",
        "rv_status_unclear": "Пока неясно",
        "rv_status_worse": "Среди тех, с кем связались, ушло больше",
        "rv_status_none": "Нет контрольной группы для сравнения",
        "rv_thin": (
            "Данных пока мало (они стоят {evidence} наблюдений, допущение плана — 10): доля "
            "успеха всё ещё опирается на допущение."
        ),
        "rv_pp_label": "По протоколу, не случайная выборка",
        "rv_pp_text": (
            "Сотрудники записали {recorded} звонков и дозвонились до {reached} клиентов, из "
            "которых ушли {left} ({churn}); в сравнении с контрольной группой это на {uplift} "
            "меньше. Клиенты, до которых дозвонились, — не случайная группа, так что это "
            "подсказка, а не измерение."
        ),
        "rv_h_drift": "Изменились ли клиенты?",
        "rv_drift_lead": (
            "{members} клиентов этого месяца против {reference}, на которых училась модель."
        ),
        "rv_drift_missing": (
            "Проверки сдвига нет: в папке не сохранены клиенты, на которых училась модель (её "
            "анализировала прежняя версия churnlab). Повторный анализ их сохранит."
        ),
        "rv_drift_none": "Сдвига нет: клиенты похожи на тех, на которых училась модель.",
        "rv_drift_rest": "Остальные признаки ({n}): без сдвига",
        "rv_col_feature": "Признак",
        "rv_col_change": "Изменение",
        "rv_col_statistic": "Расстояние (порог)",
        "rv_col_shift": "Сдвиг оттока",
        "rv_mean_change": "среднее {before} → {after}",
        "rv_share_change": "доля «{value}» {before} → {after}",
        "rv_stat_wasserstein_scaled": "расстояние Вассерштейна",
        "rv_stat_jensen_shannon": "расстояние Йенсена — Шеннона",
        "rv_statistic": "{name} {value} (порог {threshold})",
        "rv_h_recommendation": "Рекомендация",
        "rv_retrain": (
            "Переобучите модель: проанализируйте заново свежую размеченную историю "
            "(churnlab analyze)."
        ),
        "rv_keep": "Переобучать не нужно: модель по-прежнему работает.",
        "rv_reason_drift": (
            "Клиенты изменились с тех пор, как модель училась (см. сдвиг выше): она училась на "
            "клиентах, не похожих на сегодняшних."
        ),
        "rv_reason_auc_drop": (
            "Ранжирование ослабло: ROC-AUC прошлого месяца заметно ниже, чем в прежние месяцы "
            "модели."
        ),
        "rv_reason_miscalibrated": (
            "Вероятности сбились: предсказанный и фактический отток расходятся сильнее, чем "
            "допускает случай."
        ),
        "col_success": "Доля успеха",
        "rv_success_measured": "{rate}, измерена",
        "rv_success_assumed": "{rate}, допущение плана",
        "assumptions_measured": (
            "Затраты и ценность удержанного клиента — допущения плана; доля успеха с пометкой "
            "«измерена» получена по контрольным группам закрытых месяцев, остальные — "
            "допущения плана."
        ),
    },
}
