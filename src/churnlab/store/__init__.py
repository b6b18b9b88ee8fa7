"""The run history: every train, analyze, month and score run, each member's score by month,
and the calls staff record.

A :class:`Store` keeps four tables in any database SQLAlchemy can reach:

- ``models``: one row per distinct model — ``id``, ``created`` (UTC), ``data_hash`` (of the
  training rows), ``learner``, ``metrics`` (the out-of-fold metrics as JSON text), ``target``
  and ``path`` (where the model file was last saved);
- ``runs``: one row per run — ``id``, ``created`` (UTC), ``kind`` (train, analyze, month or
  score), ``source`` (passwords masked), ``month`` (``YYYY-MM``), ``rows``, ``scored``,
  ``rejected``, ``model_id`` and ``club``;
- ``scores``: one row per member and run — ``run_id``, ``month``, ``member``, ``row``,
  ``churn_probability``, ``risk_tier``, ``segment``, ``reasons``, ``action`` (the measure's
  title, for the campaign's members only), ``club``, and the month's campaign: ``measure``,
  ``campaign_rank`` and ``campaign_group`` (``contact`` or ``control``);
- ``contacts``: one row per recorded call — ``id``, ``created``, ``club``, ``member``,
  ``month``, ``outcome``, ``note``, ``source`` (``api`` or the imported file);
- ``outcomes``: what became of each member of a closed month — ``run_id`` (the run that closed
  it), ``member``, ``club``, ``month``, ``left``, ``source`` (``snapshot`` or the outcomes file).

``club`` is the id of the club's folder (:mod:`churnlab.store.folder`) that wrote the row: a
:class:`Store` opened for a club reads and writes that club's rows only, so clubs can share one
database. A store written by an older churnlab gains the new columns when it is opened.

A member is known by its id (as text) when the table has an id column, else as ``row:<n>``.
Scoring the same source again in the same month replaces that month's scores of the source (a
``month`` run: the club's month), so the history holds one score per member and month; the run
itself stays in ``runs``.

A club's folder keeps its own store, ``history.duckdb``; without a folder the default store is a
DuckDB file in the user's data folder (embedded: nothing to install or start); ``--store URL`` or
the ``CHURNLAB_STORE`` environment variable choose another, e.g. ``sqlite:///history.db`` or
``postgresql://user:password@host/churnlab``. The tables are
written with portable SQLAlchemy Core (JSON as text, no dialect-specific SQL), and every write is
one transaction: a run that fails leaves nothing behind.

A DuckDB file can be open for writing in one process, or for reading in many, never both. So
the store holds a DuckDB file only as long as one statement or transaction takes: each read
opens the file read-only and closes it, each write (creating the tables, recording a model or a
run) opens it for writing and closes it when committed. Whoever finds the file held waits for
it, trying again with short pauses: a write up to ``CHURNLAB_STORE_WAIT`` seconds (30 by
default), a read up to 10 seconds; then :class:`StoreBusyError` says another process holds the
store. A waiting writer leaves a note beside the file (``<file>.writer-waiting``) and readers
let it go first, so a busy dashboard cannot keep a writer out. So `churnlab serve` can read the
history all month while `churnlab score` records into it.

The package: :mod:`churnlab.store.schema` (the tables, and the rows they hold),
:mod:`churnlab.store.connect` (engines, the waits for a DuckDB file another process holds, the
errors), :mod:`churnlab.store.history` (:class:`Store`: opening it, what is recorded),
:mod:`churnlab.store.reads` (what is read back), :mod:`churnlab.store.contacts` (the calls'
checks) and :mod:`churnlab.store.folder` (the club's folder).
"""

from churnlab.store.connect import READ_WAIT, WRITE_WAIT, StoreBusyError, default_store_url
from churnlab.store.history import Store
from churnlab.store.schema import CONTACT_OUTCOMES, GROUPS, RUN_KINDS, check_month

__all__ = [
    "CONTACT_OUTCOMES",
    "GROUPS",
    "READ_WAIT",
    "RUN_KINDS",
    "WRITE_WAIT",
    "Store",
    "StoreBusyError",
    "check_month",
    "default_store_url",
]
