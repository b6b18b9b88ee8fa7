"""The club's member table and a generator of synthetic members that resemble it.

* :func:`load_gym_churn` -- the fitness-club chain's 4,000 member questionnaires with churn;
* :func:`make_members` -- any number of synthetic members with the same columns, a similar joint
  distribution and a similar link between the features and churn.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from churnlab.data.datasets._synthetic import COLUMN_DTYPES, make_members
from churnlab.data.datasets._writing import write_members

__all__ = ["bundled_path", "load_gym_churn", "make_members", "write_members"]

_GYM_CHURN_FILE = "gym_churn_us.csv"


def bundled_path() -> Path:
    """The path of the club's CSV file shipped with the package (read by :func:`load_gym_churn`)."""
    return Path(str(resources.files("churnlab.data.datasets") / "data" / _GYM_CHURN_FILE))


def load_gym_churn() -> pd.DataFrame:
    """The fitness-club chain's member questionnaires, one row per member, with churn.

    The chain's digitised client questionnaires: each row describes a member at the end of a month,
    and ``Churn`` says whether the member left in the month that followed, so a model trained on
    this table predicts next month's churn. No missing cells, no duplicate rows. ::

        Size: (4000, 14)
        Churn: 1 for 1,061 members (26.5 %)

        column                             meaning                              unit, values
        gender                             gender                               0/1
        Near_Location                      lives or works near the club         0/1
        Partner                            employee of a partner company        0/1
        Promo_friends                      joined through "bring a friend"      0/1
        Phone                              gave a contact phone                 0/1
        Contract_period                    length of the current membership     months: 1, 6, 12
        Group_visits                       attends group classes                0/1
        Age                                age                                  years, 18-41
        Avg_additional_charges_total       total spent on other services        0.15-552.6
                                           (cafe, shop, spa, massage)
        Month_to_end_contract              months until the membership ends     months, 1-12,
                                                                                <= Contract_period
        Lifetime                           months since the member first came   months, 0-31
        Avg_class_frequency_total          visits a week since the membership   0-6.02
                                           began
        Avg_class_frequency_current_month  visits a week over the last month    0-6.15
        Churn                              left in the month after the snapshot 0/1

        Example:
            gender  Near_Location  Partner  Promo_friends  Phone  Contract_period  Group_visits
                 1              1        1              1      0                6             1
                 0              1        0              0      1               12             1
            Age  Avg_additional_charges_total  Month_to_end_contract  Lifetime
             29                     14.227470                    5.0         3
             31                    113.202938                   12.0         7
            Avg_class_frequency_total  Avg_class_frequency_current_month  Churn
                             0.020398                           0.000000      0
                             1.922936                           1.910244      0

    Returns
    -------
    pandas.DataFrame
        4,000 rows, 14 columns in the order above. The flags, ``Contract_period``, ``Age``,
        ``Lifetime`` and ``Churn`` are ``int64``; ``Avg_additional_charges_total``, the two visit
        frequencies and ``Month_to_end_contract`` (written as ``1.0`` in the file) are ``float64``.

    See Also
    --------
    make_members : synthetic members that resemble this table, in any number.

    Notes
    -----
    The same data circulates publicly as the "Model Fitness" / «Культурист-датасаентист» study
    data set (Kaggle: "Gym customers features and churn"); the column documentation, in English and
    Russian, is in the project's data README. Published results on it (80/20 split): logistic
    regression and random forest both reach a ROC-AUC of about 0.97.

    The file is shipped with the package (``churnlab/data/datasets/data/gym_churn_us.csv``) and read
    on every call; nothing is downloaded.

    Examples
    --------
    >>> from churnlab.data.datasets import load_gym_churn
    >>> df = load_gym_churn()
    >>> df.shape
    (4000, 14)
    >>> int(df["Churn"].sum())
    1061
    >>> round(float(df["Churn"].mean()), 3)
    0.265
    >>> sorted(df["Contract_period"].unique().tolist())
    [1, 6, 12]
    """
    path = resources.files("churnlab.data.datasets") / "data" / _GYM_CHURN_FILE
    with path.open("rb") as file:
        frame = pd.read_csv(file, dtype=COLUMN_DTYPES)
    return frame[list(COLUMN_DTYPES)]
