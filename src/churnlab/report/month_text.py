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
    },
}
