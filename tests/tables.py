"""Realistic synthetic churn tables from businesses other than a fitness club.

Each function builds a table shaped like a well-known public churn table (same column names,
value formats and quirks) with churn drawn from a known logistic model of the features, partly
non-linear, so a good model can learn it and a poor one cannot. Every function takes the number of
rows and a seed, and returns the same table for the same arguments.

- :func:`make_telecom`: like IBM's Telco customer churn table.
- :func:`make_bank`: like the Kaggle bank customer churn table (``Exited``); optionally with a
  ``Lifetime`` column in days.
- :func:`make_credit_card`: like the Kaggle "BankChurners" credit-card table, with its two
  leakage columns.
- :func:`club_binaries_as_text`: the club's own table with its 0/1 columns written as words.
"""

from __future__ import annotations

import string

import numpy as np
import pandas as pd

__all__ = [
    "CLUB_TEXT_BINARIES",
    "CREDIT_CARD_LEAKS",
    "club_binaries_as_text",
    "make_bank",
    "make_credit_card",
    "make_telecom",
]

#: The two columns of the real BankChurners table that hold a naive Bayes model's probability
#: of the target (its authors' leftovers): 100+ characters each, and leakage.
CREDIT_CARD_LEAKS = tuple(
    "Naive_Bayes_Classifier_Attrition_Flag_Card_Category_Contacts_Count_12_mon_"
    f"Dependent_count_Education_Level_Months_Inactive_12_mon_{k}"
    for k in (1, 2)
)

#: The club's 0/1 columns and the words :func:`club_binaries_as_text` writes for 0 and 1.
CLUB_TEXT_BINARIES = {
    "gender": ("Female", "Male"),
    "Partner": ("No", "Yes"),
    "Near_Location": ("No", "Yes"),
    "Phone": ("No", "Yes"),
    "Promo_friends": ("False", "True"),
    "Group_visits": ("False", "True"),
}


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _yes_no(flag: np.ndarray) -> np.ndarray:
    return np.where(flag, "Yes", "No")


def make_telecom(n: int = 2000, *, random_state: int = 0) -> pd.DataFrame:
    """A telecom customer table like IBM's Telco churn table (about 27 % churn).

    Quirks
    ------
    - ``customerID`` codes such as ``"7590-VHVEG"`` (unique text ids).
    - Two club column names with another meaning: ``gender`` holds ``Female``/``Male`` (the
      club's is 0/1) and ``Partner`` holds ``Yes``/``No`` (the club's means a partner company's
      employee, 0/1).
    - Two-valued text everywhere (``Yes``/``No``), and three-valued columns whose third value
      says the question does not apply (``"No phone service"``, ``"No internet service"``).
    - ``SeniorCitizen`` is 0/1 while its neighbours are Yes/No.
    - ``TotalCharges`` is TEXT, with a single blank (``" "``) for every customer of tenure 0.
    - ``Churn`` is ``Yes``/``No``.

    Churn model (logit): new customers leave (``1.9 exp(-tenure / 9)``), month-to-month
    contracts much more than one- or two-year ones, fibre optic more (more still on a
    month-to-month contract), no online security or tech support, electronic checks, paperless
    billing and senior citizens more; dependants and a partner less.
    """
    rng = np.random.default_rng(random_state)
    letters = np.array(list(string.ascii_uppercase))
    digits = rng.choice(9000, n, replace=False) + 1000  # unique: one id per customer
    codes = ["".join(rng.choice(letters, 5)) for _ in range(n)]
    customer_id = [f"{d:04d}-{c}" for d, c in zip(digits, codes, strict=True)]

    senior = (rng.random(n) < 0.16).astype(int)
    partner = rng.random(n) < 0.48
    dependents = rng.random(n) < np.where(partner, 0.5, 0.1)
    # tenure: many new customers and many long-standing ones, as in the real table
    tenure = np.where(
        rng.random(n) < 0.35,
        rng.integers(0, 13, n),
        np.clip(np.round(rng.uniform(0, 1, n) ** 0.7 * 72), 0, 72),
    ).astype(int)
    contract = np.where(
        rng.random(n) < np.clip(0.85 - tenure / 90, 0.15, 0.85),
        "Month-to-month",
        np.where(rng.random(n) < 0.45, "One year", "Two year"),
    )
    phone = rng.random(n) < 0.9
    multiple = np.where(phone, _yes_no(rng.random(n) < 0.47), "No phone service")
    internet = rng.choice(["DSL", "Fiber optic", "No"], n, p=[0.34, 0.44, 0.22])
    has_net = internet != "No"
    services = {}
    for name, share in [
        ("OnlineSecurity", 0.37),
        ("OnlineBackup", 0.44),
        ("DeviceProtection", 0.44),
        ("TechSupport", 0.37),
        ("StreamingTV", 0.49),
        ("StreamingMovies", 0.5),
    ]:
        services[name] = np.where(has_net, _yes_no(rng.random(n) < share), "No internet service")
    paperless = rng.random(n) < 0.59
    payment = rng.choice(
        [
            "Electronic check",
            "Mailed check",
            "Bank transfer (automatic)",
            "Credit card (automatic)",
        ],
        n,
        p=[0.34, 0.23, 0.22, 0.21],
    )
    extras = sum((services[s] == "Yes").astype(float) for s in services)
    monthly = (
        20.0
        + 5.0 * phone
        + 5.0 * (multiple == "Yes")
        + np.select([internet == "DSL", internet == "Fiber optic"], [25.0, 45.0], 0.0)
        + 5.0 * extras
        + rng.normal(0, 2.0, n)
    )
    monthly = np.round(np.clip(monthly, 18.25, 118.75), 2)
    total = np.round(monthly * tenure * rng.uniform(0.95, 1.05, n), 2)

    month_to_month = contract == "Month-to-month"
    fiber = internet == "Fiber optic"
    z = (
        -2.0
        + 1.9 * np.exp(-tenure / 9.0)
        + np.select([contract == "One year", contract == "Two year"], [-1.3, -2.6], 0.0)
        + 0.8 * fiber
        + 0.5 * (fiber & month_to_month)
        - 0.8 * (internet == "No")
        + 0.45 * (services["OnlineSecurity"] == "No")
        + 0.4 * (services["TechSupport"] == "No")
        + 0.55 * (payment == "Electronic check")
        + 0.3 * paperless
        + 0.35 * senior
        - 0.15 * partner
        - 0.3 * dependents
    )
    churn = rng.random(n) < _sigmoid(z)
    total_text = np.array([f"{t:.2f}" for t in total], dtype=object)
    total_text[tenure == 0] = " "  # no bill yet: a blank, as in the real export
    return pd.DataFrame(
        {
            "customerID": customer_id,
            "gender": rng.choice(["Female", "Male"], n),
            "SeniorCitizen": senior,
            "Partner": _yes_no(partner),
            "Dependents": _yes_no(dependents),
            "tenure": tenure,
            "PhoneService": _yes_no(phone),
            "MultipleLines": multiple,
            "InternetService": internet,
            **services,
            "Contract": contract,
            "PaperlessBilling": _yes_no(paperless),
            "PaymentMethod": payment,
            "MonthlyCharges": monthly,
            "TotalCharges": total_text,
            "Churn": _yes_no(churn),
        }
    )


_SURNAMES = [
    "Smith", "Scott", "Martin", "Walker", "Brown", "Genovese", "Yeh", "Shih", "Wright", "Wilson",
    "Ivanova", "Onio", "Boni", "Mitchell", "Chu", "Hargrave", "Hill", "Obijiaku", "Bartlett",
    "Maclean", "Lombardo", "Fanucci", "Chiemenam", "Nwachukwu", "Kao", "Lu", "Ch'en", "Moore",
    "Pisano", "Johnstone", "Yen", "Tsao", "Hsu", "Wang", "Trevisani", "Fernandez", "Ferri",
    "Bellucci", "Sun", "Toscano",
]  # fmt: skip

#: Each count of products' effect on the logit: churn far from monotone in the count.
_PRODUCT_EFFECT = np.array([np.nan, 0.0, -1.45, 2.9, 6.5])


def make_bank(n: int = 2000, *, random_state: int = 0, lifetime_days: bool = False) -> pd.DataFrame:
    """A retail bank's customers like the Kaggle bank churn table (``Exited``, about 20 %).

    Quirks
    ------
    - ``RowNumber`` counts the rows (1..n); the customer id is ``CustomerId`` (8-digit, unique,
      not consecutive); ``Surname`` repeats the same few dozen names.
    - ``Geography`` France/Spain/Germany, ``Gender`` Female/Male (two-valued text).
    - ``Balance`` is exactly 0.0 for about a third of the customers, else around 120,000.
    - ``NumOfProducts`` (1-4) acts far from monotonically: about 20 % leave with 1 product, 7 %
      with 2, 80 % with 3 and nearly all with 4, while most customers hold 1 or 2.
    - ``Age`` is a club column name whose values fit the club's meaning (years, 18-92).
    - With ``lifetime_days=True`` the customer's tenure is a ``Lifetime`` column in DAYS
      (0-3,650) instead of ``Tenure`` in years (0-10): a club column name (months, at most 600)
      whose values do not fit the club's meaning.

    Churn model (logit): a bump with age (most leave around 55), Germany, women and inactive
    members more, the counts of products as above, a balance a little more, a low credit score
    and a short tenure a little more.
    """
    rng = np.random.default_rng(random_state)
    customer_id = rng.choice(250_000, n, replace=False) + 15_565_701
    surname = rng.choice(_SURNAMES, n, p=np.arange(len(_SURNAMES), 0, -1) / 820)
    credit = np.clip(np.round(rng.normal(650, 97, n)), 350, 850).astype(int)
    geography = rng.choice(["France", "Germany", "Spain"], n, p=[0.5, 0.25, 0.25])
    gender = rng.choice(["Female", "Male"], n, p=[0.45, 0.55])
    age = np.clip(np.round(18 + rng.gamma(4.0, 5.0, n)), 18, 92).astype(int)
    tenure = rng.integers(0, 11, n)
    days = np.clip(tenure * 365 + rng.integers(0, 365, n), 0, 3650)
    zero = rng.random(n) < np.where(geography == "Germany", 0.0, 0.48)
    balance = np.where(zero, 0.0, np.round(np.clip(rng.normal(120_000, 30_000, n), 3_000, None), 2))
    products = rng.choice([1, 2, 3, 4], n, p=[0.5, 0.46, 0.03, 0.01])
    card = (rng.random(n) < 0.7).astype(int)
    active = (rng.random(n) < 0.51).astype(int)
    salary = np.round(rng.uniform(11.58, 199_992.48, n), 2)
    z = (
        -2.9
        + 3.2 * np.exp(-(((age - 56) / 11.0) ** 2))
        - 0.5 * (age < 30)
        + 0.75 * (geography == "Germany")
        + 0.5 * (gender == "Female")
        + 1.0 * (active == 0)
        + _PRODUCT_EFFECT[products]
        + 0.25 * (balance > 0)
        - 0.0012 * (credit - 650)
        - 0.03 * days / 365
    )
    exited = (rng.random(n) < _sigmoid(z)).astype(int)
    frame = pd.DataFrame(
        {
            "RowNumber": np.arange(1, n + 1),
            "CustomerId": customer_id,
            "Surname": surname,
            "CreditScore": credit,
            "Geography": geography,
            "Gender": gender,
            "Age": age,
            "Tenure": tenure,
            "Balance": balance,
            "NumOfProducts": products,
            "HasCrCard": card,
            "IsActiveMember": active,
            "EstimatedSalary": salary,
            "Exited": exited,
        }
    )
    if lifetime_days:
        frame = frame.drop(columns="Tenure")
        frame.insert(7, "Lifetime", days)
    return frame


def make_credit_card(n: int = 2000, *, random_state: int = 0) -> pd.DataFrame:
    """A card issuer's customers like the Kaggle "BankChurners" table (about 16 % attrited).

    Quirks
    ------
    - ``CLIENTNUM``: a unique 9-digit id whose name does not say "id".
    - ``Attrition_Flag`` is ``"Existing Customer"`` / ``"Attrited Customer"`` (the positive label
      must be read from the words); ``Gender`` is ``M``/``F``.
    - ``"Unknown"`` among the education, marital and income categories; income as text ranges
      (``"$60K - $80K"``, ``"Less than $40K"``, ``"$120K +"``).
    - Money in the thousands (``Credit_Limit``, ``Total_Trans_Amt`` such as 8,526).
    - The real table's two leakage columns (:data:`CREDIT_CARD_LEAKS`, over 100 characters
      each): a near-perfect probability of attrition and its complement.

    Churn model (logit): few transactions (a steep sigmoid in ``Total_Trans_Ct``), a bump of
    churn at mid-high amounts (around 7,500) and little above 11,000, a small revolving balance,
    few products with the bank, more inactive months and more contacts all raise it.
    """
    rng = np.random.default_rng(random_state)
    client = rng.choice(100_000_000, n, replace=False) + 708_000_000
    age = np.clip(np.round(rng.normal(46, 8, n)), 26, 73).astype(int)
    gender = rng.choice(["F", "M"], n, p=[0.53, 0.47])
    dependents = rng.choice(6, n, p=[0.09, 0.18, 0.26, 0.27, 0.15, 0.05])
    education = rng.choice(
        ["Graduate", "High School", "Unknown", "Uneducated", "College", "Post-Graduate",
         "Doctorate"],
        n,
        p=[0.31, 0.2, 0.15, 0.15, 0.1, 0.05, 0.04],
    )  # fmt: skip
    marital = rng.choice(
        ["Married", "Single", "Unknown", "Divorced"], n, p=[0.46, 0.39, 0.08, 0.07]
    )
    incomes = ["Less than $40K", "$40K - $60K", "$60K - $80K", "$80K - $120K", "$120K +", "Unknown"]
    income_code = np.where(
        gender == "M",
        rng.choice(6, n, p=[0.1, 0.12, 0.25, 0.28, 0.15, 0.1]),
        rng.choice(6, n, p=[0.6, 0.22, 0.0, 0.0, 0.0, 0.18]),
    )
    income = np.array(incomes)[income_code]
    card = rng.choice(["Blue", "Silver", "Gold", "Platinum"], n, p=[0.93, 0.055, 0.012, 0.003])
    months = np.clip(np.where(rng.random(n) < 0.24, 36, np.round(rng.normal(36, 8, n))), 13, 56)
    relationships = rng.integers(1, 7, n)
    inactive = rng.choice(7, n, p=[0.01, 0.22, 0.33, 0.38, 0.04, 0.015, 0.005])
    contacts = rng.choice(7, n, p=[0.04, 0.15, 0.32, 0.33, 0.13, 0.02, 0.01])
    scale = np.array([3_500, 6_000, 10_000, 15_000, 18_000, 8_000])[income_code]
    limit = np.round(np.clip(rng.gamma(2.0, scale / 2.0) * (1 + 0.6 * (card != "Blue")), 1438.3,
                             34_516.0), 1)  # fmt: skip
    revolving = np.where(
        rng.random(n) < 0.24, 0, np.clip(np.round(rng.normal(1_400, 600, n)), 132, 2_517)
    ).astype(int)
    revolving = np.minimum(revolving, limit).astype(int)
    heavy = rng.random(n) < 0.1  # a group of heavy users, as in the real table
    count = np.where(heavy, rng.normal(110, 12, n), rng.normal(62, 20, n) - 4 * (inactive - 2))
    count = np.clip(np.round(count), 10, 139).astype(int)
    amount = np.where(heavy, rng.normal(14_000, 2_000, n), count * rng.normal(60, 15, n))
    amount = np.clip(np.round(amount), 510, 18_484).astype(int)
    utilisation = np.round(revolving / limit, 3)
    z = (
        -3.9
        + 4.0 * _sigmoid((48 - count) / 6.0)
        + 1.4 * np.exp(-(((amount - 7_500) / 1_500.0) ** 2))
        - 1.5 * (amount > 11_000)
        + 1.2 * (revolving < 500)
        - 0.4 * (relationships - 3)
        + 0.35 * (inactive - 2)
        + 0.45 * (contacts - 2)
        + 0.2 * (gender == "F")
    )
    attrited = rng.random(n) < _sigmoid(z)
    # the naive Bayes leftovers: a near-perfect probability of the target (a few wrong)
    wrong = rng.random(n) < 0.002
    said = np.where(wrong, ~attrited, attrited)
    leak = np.where(said, rng.uniform(0.993, 0.99999, n), rng.uniform(1e-5, 6e-4, n))
    return pd.DataFrame(
        {
            "CLIENTNUM": client,
            "Attrition_Flag": np.where(attrited, "Attrited Customer", "Existing Customer"),
            "Customer_Age": age,
            "Gender": gender,
            "Dependent_count": dependents,
            "Education_Level": education,
            "Marital_Status": marital,
            "Income_Category": income,
            "Card_Category": card,
            "Months_on_book": months.astype(int),
            "Total_Relationship_Count": relationships,
            "Months_Inactive_12_mon": inactive,
            "Contacts_Count_12_mon": contacts,
            "Credit_Limit": limit,
            "Total_Revolving_Bal": revolving,
            "Total_Trans_Amt": amount,
            "Total_Trans_Ct": count,
            "Avg_Utilization_Ratio": utilisation,
            CREDIT_CARD_LEAKS[0]: np.round(leak, 8),
            CREDIT_CARD_LEAKS[1]: np.round(1 - leak, 8),
        }
    )


def club_binaries_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The club's table with its 0/1 columns as words (:data:`CLUB_TEXT_BINARIES`).

    ``gender`` becomes Female/Male; ``Partner``, ``Near_Location`` and ``Phone`` Yes/No;
    ``Promo_friends`` and ``Group_visits`` the strings ``"True"``/``"False"`` (text, not bools).
    Every other column is kept as it is.
    """
    out = frame.copy()
    for name, (zero, one) in CLUB_TEXT_BINARIES.items():
        out[name] = np.where(frame[name].to_numpy() == 1, one, zero).astype(object)
    return out
