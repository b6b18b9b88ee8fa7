"""The few findings a manager must know, written from the analysis' own numbers.

Every sentence is filled from the summary: change the data and the conclusions change with it.
"""

from __future__ import annotations

from typing import Any

from churnlab.analysis.summary import DataSummary, ModelQuality

__all__ = ["write_conclusions"]

#: What the public studies of the club's table reached (ROC-AUC, 80/20 split).
PUBLIC_AUC = 0.97

_TEXT = {
    "en": {
        "churn": "{rate} of members ({leavers} of {members}) left in the month after the snapshot.",
        "quality": "The model ranks a leaver above a stayer {auc_pct} of the time (ROC-AUC "
        "{auc} ± {auc_sd}, out of fold), and its probabilities are calibrated: of members "
        "given 30%, about 30% leave (calibration error {ece}).",
        "public": " The public studies of this table reached {public}.",
        "too_good": "Warning: a score this high is rare for next month's churn — check that no "
        "column records the leaving itself.",
        "drivers": "Churn is driven most by: {top}.",
        "business": "business",
        "club": "club",
        "levers": " Of these the {who} can act on {levers}.",
        "no_levers": " None of these is a lever the {who} can move directly.",
        "roles_none": " Which of these the {who} can move is not known: no feature was given a "
        "role. Mark the columns it can act on with --lever COL and the fixed ones with "
        "--trait COL.",
        "no_lever_given": " No feature was marked as a lever the {who} can move; mark the "
        "columns it can act on with --lever COL.",
        "roles_partly": " The role of {names} was not given (--lever COL or --trait COL).",
        "segments": "The riskiest portrait, “{worst}” ({worst_size}), loses {worst_rate} "
        "— {times} times the average; the safest, “{best}”, loses {best_rate}.",
        "plan": "Contacting {members} costs about {cost} {currency} and is expected "
        "to keep {saving} {currency} of fees ({net} net). Start with “{first}” "
        "({first_members}).",
        "no_plan": "With these economics no member is worth an offer: lower the offer cost or "
        "raise the member's value (--fee, --offer-cost).",
        "direction_up": "{label} — the higher, the more members leave",
        "direction_down": "{label} — the lower, the more members leave",
        "direction_mixed": "{label}",
        "direction_shape": "{label} — most leave at {high}, fewest at {low}",
        "and": " and ",
    },
    "ru": {
        "churn": "{rate} клиентов ({leavers} из {members}) ушли в следующем месяце после среза.",
        "quality": "Модель ставит уходящего клиента выше остающегося в {auc_pct} случаев (ROC-AUC "
        "{auc} ± {auc_sd}, вне обучающих фолдов), и её вероятности откалиброваны: "
        "из клиентов с прогнозом 30\u00a0% уходят около 30\u00a0% (ошибка калибровки {ece}).",
        "public": " Открытые исследования этих данных достигали {public}.",
        "too_good": "Внимание: такая высокая оценка редка для оттока следующего месяца — "
        "проверьте, что ни один столбец не фиксирует сам уход.",
        "drivers": "Сильнее всего на отток влияют: {top}.",
        "business": "компания",
        "club": "клуб",
        "levers": " Из них {who} может повлиять на: {levers}.",
        "no_levers": " Ни на один из этих факторов {who} не может повлиять напрямую.",
        "roles_none": " На какие из них {who} может повлиять, неизвестно: роли признаков не "
        "заданы. Отметьте столбцы, на которые можно влиять, параметром --lever COL, а "
        "постоянные — параметром --trait COL.",
        "no_lever_given": " Ни один признак не отмечен как рычаг, на который {who} может "
        "повлиять; отметьте такие столбцы параметром --lever COL.",
        "roles_partly": " Роль не задана для: {names} (--lever COL или --trait COL).",
        "segments": "Самый рискованный портрет, «{worst}» ({worst_size}), теряет "
        "{worst_rate} — в {times} раза больше среднего; самый надёжный, «{best}», "
        "теряет {best_rate}.",
        "plan": "Обращение к {members} обойдётся примерно в {cost} {currency} и, "
        "по расчёту, сохранит {saving} {currency} выручки ({net} чистыми). "
        "Начните с группы «{first}» ({first_members}).",
        "no_plan": "При этих экономических условиях ни одно предложение не окупается: снизьте "
        "стоимость предложения или увеличьте ценность клиента (--fee, --offer-cost).",
        "direction_up": "«{label}» — чем выше, тем больше уходят",
        "direction_down": "«{label}» — чем ниже, тем больше уходят",
        "direction_mixed": "«{label}»",
        "direction_shape": "«{label}» — больше всего уходят при {high}, меньше всего при {low}",
        "and": " и ",
    },
}


def _dec(value: float, digits: int, lang: str) -> str:
    """A decimal number: 0.991 in English, 0,991 in Russian."""
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if lang == "ru" else text


def _pct(share: float, lang: str) -> str:
    text = _dec(100 * share, 1, lang).rstrip("0").rstrip(".,")
    return f"{text}\u00a0%" if lang == "ru" else f"{text}%"


def _num(value: float, lang: str) -> str:
    """Whole numbers with digit groups: 1,061 in English, 1 061 in Russian."""
    text = f"{round(value):,}"
    return text.replace(",", "\u00a0") if lang == "ru" else text


def _members(count: int, lang: str, *, dative: bool = False) -> str:
    """ "1,233 members"; in Russian the noun agrees: 1 клиент, 2 клиента, 5 клиентов."""
    if lang != "ru":
        return f"{_num(count, lang)} member{'' if count == 1 else 's'}"
    last, last_two = count % 10, count % 100
    if dative:
        noun = "клиенту" if last == 1 and last_two != 11 else "клиентам"
    elif last == 1 and last_two != 11:
        noun = "клиент"
    elif 2 <= last <= 4 and not 12 <= last_two <= 14:
        noun = "клиента"
    else:
        noun = "клиентов"
    return f"{_num(count, lang)} {noun}"


def write_conclusions(
    data: DataSummary,
    quality: ModelQuality,
    drivers: list[dict[str, Any]],
    segments: list[dict[str, Any]],
    plan: dict[str, Any],
    *,
    lang: str = "en",
    club: bool = False,
) -> list[str]:
    """Five or so sentences: churn, trust in the model, drivers, portraits, the plan.

    Parameters
    ----------
    data, quality, drivers, segments, plan
        The parts of the summary.
    lang : {"en", "ru"}
    club : bool
        The table is a fitness club's (:attr:`churnlab.data.spec.DatasetSpec.is_club_table`): speak
        of "the club" rather than "the business", and compare with the public studies.

    Examples
    --------
    >>> from churnlab.analysis.summary import FeatureProfile
    >>> tenure = FeatureProfile("tenure", "tenure", "numeric", "unknown", 20.0, 5.0, [])
    >>> data = DataSummary("t.csv", 10, 0, 10, 3, 0.3, None, [], [tenure], {}, [])
    >>> quality = ModelQuality("logistic", {}, {}, 5, 0.5,
    ...                        {"roc_auc": 0.8, "ece": 0.02}, {"roc_auc": 0.01}, {})
    >>> driver = {"label": "tenure", "role": "unknown", "direction": "down"}
    >>> write_conclusions(data, quality, [driver], [], {})[2]
    'Churn is driven most by: tenure — the lower, the more members leave. Which of these the \
business can move is not known: no feature was given a role. Mark the columns it can act on with \
--lever COL and the fixed ones with --trait COL.'
    """
    t = _TEXT.get(lang, _TEXT["en"])
    out = [
        t["churn"].format(
            rate=_pct(data.churn_rate, lang),
            leavers=_num(data.leavers, lang),
            members=_num(data.members, lang),
        )
    ]
    quality_text = t["quality"].format(
        auc_pct=_pct(quality.metrics["roc_auc"], lang),
        auc=_dec(quality.metrics["roc_auc"], 3, lang),
        auc_sd=_dec(quality.spread["roc_auc"], 3, lang),
        ece=_dec(quality.metrics["ece"], 3, lang),
    )
    if club:
        quality_text += t["public"].format(public=_dec(PUBLIC_AUC, 2, lang))
    if quality.warned("too_good"):
        quality_text += " " + t["too_good"]
    out.append(quality_text)

    top = drivers[:3]
    phrases = [_direction_phrase(d, t, lang) for d in top]
    drivers_text = t["drivers"].format(top="; ".join(phrases))
    roles = [d["role"] for d in drivers] + [f.role for f in data.features]
    out.append(drivers_text + _levers_text(top, roles, t, lang, club))

    if segments:
        worst, best = segments[0], min(segments, key=lambda s: s["churn_rate"])
        out.append(
            t["segments"].format(
                worst=worst["name"],
                worst_size=_members(worst["size"], lang),
                worst_rate=_pct(worst["churn_rate"], lang),
                times=_dec(
                    worst["churn_rate"] / data.churn_rate if data.churn_rate else 0.0, 1, lang
                ),
                best=best["name"],
                best_rate=_pct(best["churn_rate"], lang),
            )
        )

    campaign = plan.get("campaign", {})
    groups = plan.get("target_groups", [])
    if campaign.get("members") and groups:
        out.append(
            t["plan"].format(
                members=_members(campaign["members"], lang, dative=True),
                cost=_num(campaign["expected_cost"], lang),
                saving=_num(campaign["expected_saving"], lang),
                net=_num(campaign["expected_net"], lang),
                currency=plan["economics"].get("currency", ""),
                first=groups[0]["name"],
                first_members=_members(groups[0]["members"], lang),
            )
        )
    else:
        out.append(t["no_plan"])
    return out


def _levers_text(
    top: list[dict[str, Any]], roles: list[str], t: dict[str, str], lang: str, club: bool
) -> str:
    """Which of the top drivers the business can act on — said only when some feature is known
    to be a lever; else that the roles were not given, and how to give them."""
    who = t["club" if club else "business"]

    def names(labels: list[str]) -> str:
        return t["and"].join(f"«{x}»" if lang == "ru" else x for x in labels)

    if all(role == "unknown" for role in roles):
        return t["roles_none"].format(who=who)
    if "lever" not in roles:
        return t["no_lever_given"].format(who=who)
    levers = [d["label"] for d in top if d["role"] == "lever"]
    unknown = [d["label"] for d in top if d["role"] == "unknown"]
    text = t["levers"].format(who=who, levers=names(levers)) if levers else ""
    if unknown:
        return text + t["roles_partly"].format(names=names(unknown))
    return text or t["no_levers"].format(who=who)


def _direction_phrase(driver: dict[str, Any], t: dict[str, str], lang: str) -> str:
    """ "the higher, the more leave" for a monotone driver; where most and fewest leave for one
    whose churn is highest between or at both ends (a one-way phrase would mislead)."""
    if driver["direction"] != "mixed":
        return t[f"direction_{driver['direction']}"].format(label=driver["label"])
    shape = [b for b in driver.get("shape", []) if b["members"] > 0]
    members = sum(b["members"] for b in shape)
    shape = [b for b in shape if b["members"] >= 0.02 * members]
    if len(shape) < 2:
        return t["direction_mixed"].format(label=driver["label"])
    high = max(shape, key=lambda b: b["churn_probability"])
    low = min(shape, key=lambda b: b["churn_probability"])
    return t["direction_shape"].format(
        label=driver["label"], high=_value(high["value"], lang), low=_value(low["value"], lang)
    )


def _value(value: object, lang: str) -> str:
    """A bin's label for a sentence: ``3`` (not 3.0), ``18–25``, or the category."""
    if isinstance(value, float):
        return _dec(value, 0 if value.is_integer() else 1, lang)
    return str(value)
