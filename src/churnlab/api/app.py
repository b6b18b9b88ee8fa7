"""The scoring API: score members, read the analysis, browse the scored members and their history.

Routes (every ``/v1`` route needs ``Authorization: Bearer <key>`` when a key is set)::

    GET  /health                  liveness, the model's learner and training-data hash
    POST /v1/score                {"members": [{...}, ...]} -> {"results": [...]} in request order:
                                  each member's score, and their months ahead and value
                                  (stay_3m/6m/12m, expected_months_12, member_value, survival)
    GET  /v1/summary              the analysis summary (summary.json)
    GET  /v1/members              the latest month's members: ?tier=&segment=&search=&measure=
                                  &group=&order=risk|campaign&limit=&offset=
    GET  /v1/members/{member}     one member: their months (scores, measure, group, value) and
                                  contacts
    POST /v1/members/{member}/contacts
                                  {"month": "YYYY-MM", "outcome": "reached" | ..., "note": "..."}
                                  records what came of a call (201)
    GET  /v1/contacts             the recorded contacts: ?month=YYYY-MM
    GET  /v1/measures             the playbook's measures: id, title, audience, what staff do
    GET  /docs, /openapi.json     the documentation (Swagger UI, served by the app itself: it
                                  works offline; no /redoc) and the schema, no key needed

Served for a club's folder, the member routes see that club's members only.

The app never logs request bodies: member data stays out of the logs.
"""

import logging
import math
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from fastapi import Depends, FastAPI, HTTPException, Query
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from churnlab._version import __version__
from churnlab.api.dashboard import mount_dashboard
from churnlab.api.docs import mount_docs
from churnlab.data.jsonable import python_scalar
from churnlab.data.spec import DatasetSpec
from churnlab.data.validate import require_columns
from churnlab.errors import ChurnlabError
from churnlab.plan.fields import in_language
from churnlab.scoring.bundle import Bundle, ScoredColumns
from churnlab.scoring.value import HORIZON, member_curves, member_values
from churnlab.store import StoreBusyError
from churnlab.store.contacts import NOTE_LONGEST, check_contacts

__all__ = ["MAX_BATCH", "MAX_BODY_BYTES", "create_app"]

#: The most members one request may score.
MAX_BATCH = 1000
#: The largest request body accepted, in bytes.
MAX_BODY_BYTES = 2_000_000

_LOG = logging.getLogger("churnlab.api")

# FastAPI reads the annotations of routes and dependencies, so they live at module level.
_BEARER = HTTPBearer(auto_error=False)


class ScoreRequest(BaseModel):
    """Members to score: each an object of column -> value, as in the training table."""

    members: list[dict[str, Any]] = Field(..., description="One object per member.")


#: Decimals of the survival curve's chances in a response.
SURVIVAL_DECIMALS = 4


class MemberResult(BaseModel):
    """One member's score, and their months ahead and value if nothing changes (the model's
    next-month chances chained month by month: :mod:`churnlab.scoring.value`)."""

    churn_probability: float
    risk_tier: str
    segment: int | None
    reasons: list[str]
    action: str | None
    stay_3m: float | None = Field(description="The chance of still being a member in 3 months.")
    stay_6m: float | None = Field(description="The chance of still being a member in 6 months.")
    stay_12m: float | None = Field(description="The chance of still being a member in 12 months.")
    expected_months_12: float | None = Field(
        description="The expected paid months of the next 12, discounted at the folder's rate."
    )
    member_value: float | None = Field(
        description="(fee + other spending a month) × expected_months_12, in the fee's currency."
    )
    survival: list[float | None] = Field(
        description=f"The chance of still being a member after 1, 2, …, {HORIZON} months "
        f"(rounded to {SURVIVAL_DECIMALS} decimals); the first is 1 − churn_probability.",
    )


class ScoreResponse(BaseModel):
    results: list[MemberResult]
    ignored_fields: list[str] = Field(
        default_factory=list, description="Fields the model does not use; they were ignored."
    )


class ContactIn(BaseModel):
    """What came of contacting a member in a month."""

    month: str = Field(..., pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")
    outcome: Literal["reached", "no_answer", "declined", "accepted", "not_contacted"]
    note: str | None = Field(None, max_length=NOTE_LONGEST)


class StoredValue(BaseModel):
    """A member's value as the run that scored them recorded it (None: the run gave none)."""

    stay_3m: float | None = Field(None, description="The chance of staying 3 more months.")
    stay_12m: float | None = Field(None, description="The chance of staying 12 more months.")
    expected_months_12: float | None = Field(
        None, description="The expected paid months of the next 12."
    )
    member_value: float | None = Field(
        None, description="(fee + other spending a month) × expected_months_12."
    )


class ListedMember(StoredValue):
    """One of the latest month's members: their score, the month's campaign and their value
    (and the run's other columns: row, segment, reasons, action, measure, campaign_rank,
    campaign_group, month, run_id, created)."""

    model_config = ConfigDict(extra="allow")

    member: str
    churn_probability: float
    risk_tier: str


class MembersPage(BaseModel):
    total: int
    limit: int
    offset: int
    members: list[ListedMember]


class MemberMonth(StoredValue):
    """One month of a member's record: the score, the month's campaign and the value (and the
    run's other columns: run_id, created, segment, reasons, action, measure, campaign_rank,
    campaign_group)."""

    model_config = ConfigDict(extra="allow")

    month: str
    churn_probability: float
    risk_tier: str


class MemberRecord(BaseModel):
    member: str
    history: list[MemberMonth] = Field(description="Month by month, oldest first.")
    contacts: list[dict[str, Any]] = Field(description="The calls staff recorded, oldest first.")


def create_app(
    bundle: Bundle,
    *,
    store: Any | None = None,
    api_key: str | None = None,
    max_batch: int = MAX_BATCH,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> FastAPI:
    """The FastAPI app that serves ``bundle``.

    Parameters
    ----------
    bundle : Bundle
        The model with its segments and playbook (:func:`churnlab.scoring.bundle.load_bundle`).
    store : churnlab.store.Store, optional
        The run history, for the member routes (404 without it).
    api_key : str, optional
        The key every ``/v1`` route requires as ``Authorization: Bearer <key>``.
    max_batch, max_body_bytes : int
        Limits of one request: more members or a larger body is refused with 413.
    """
    app = FastAPI(
        title="churnlab",
        version=__version__,
        description="Member churn: scores, reasons, portraits and the retention plan.",
        docs_url=None,  # FastAPI's pages load from a CDN: mount_docs serves /docs offline
        redoc_url=None,
    )

    def authorised(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)] = None,
    ) -> None:
        if api_key is None:
            return
        given = credentials.credentials if credentials is not None else ""
        if not secrets.compare_digest(given.encode(), api_key.encode()):
            raise HTTPException(
                status_code=401,
                detail="missing or wrong API key: send Authorization: Bearer <CHURNLAB_API_KEY>",
                headers={"WWW-Authenticate": "Bearer"},
            )

    app.add_middleware(BodyLimit, max_body_bytes=max_body_bytes)
    app.add_middleware(RequestLog)  # added last: outermost, so it also logs refused bodies

    @app.get("/health")
    def health() -> dict[str, Any]:
        """Liveness, and which model is served."""
        return {
            "status": "ok",
            "version": __version__,
            "learner": bundle.model.learner_,
            "data_hash": bundle.model.data_hash_,
        }

    # ``async``: a few milliseconds of scoring cost less on the event loop than a thread hop.
    @app.post("/v1/score", response_model=ScoreResponse, dependencies=[Depends(authorised)])
    async def score(request: ScoreRequest) -> Any:
        """Score members, in request order: probability, tier, segment, reasons and action."""
        if len(request.members) > max_batch:
            raise HTTPException(
                status_code=413,
                detail=(
                    f"{len(request.members)} members in one request; the limit is {max_batch}: "
                    "split the batch"
                ),
            )
        if not request.members:
            return {"results": [], "ignored_fields": []}
        spec = bundle.model.spec_
        given = set().union(*request.members)
        ignored = sorted(str(c) for c in given - {*spec.feature_names, spec.id_col})
        try:
            require_columns(given, spec.feature_names, source="request")
            columns, unusable = _columns(request.members, spec)
            scored = bundle.score_columns(columns)
        except ChurnlabError as exc:
            raise HTTPException(status_code=422, detail=_problems_of(exc)) from None
        if unusable or len(scored.failures):
            problems = unusable + [
                _problem(int(f.row), str(f.column), str(f.reason))
                for f in scored.failures.itertuples(index=False)
            ]
            order = {name: k for k, name in enumerate(spec.feature_names)}
            problems.sort(key=lambda p: (p["loc"][2], order.get(p["loc"][3], len(order))))
            raise HTTPException(status_code=422, detail=problems)
        segments = scored.segment if scored.segment is not None else [None] * len(scored.rows)
        results = [
            {
                "churn_probability": float(p),
                "risk_tier": str(tier),
                "segment": None if segment is None else int(segment),
                "reasons": told,
                "action": action,
                **value,
            }
            for p, tier, segment, told, action, value in zip(
                scored.probability,
                scored.risk_tier,
                segments,
                scored.reasons,
                scored.action,
                _values(bundle, scored),
                strict=True,
            )
        ]
        # Built to match ScoreResponse; returned as is, not validated against it a second time.
        return JSONResponse({"results": results, "ignored_fields": ignored})

    @app.get("/v1/summary", dependencies=[Depends(authorised)])
    def summary() -> dict[str, Any]:
        """The analysis summary: data, metrics, drivers, segments, plan, conclusions."""
        if bundle.summary is None:
            raise HTTPException(
                status_code=404,
                detail=(
                    "no analysis is served: start the server with --run DIR from churnlab analyze"
                ),
            )
        return bundle.summary

    @app.get("/v1/members", response_model=MembersPage, dependencies=[Depends(authorised)])
    def members(
        tier: str | None = Query(None, pattern="^(high|medium|low)$"),
        segment: int | None = Query(None, ge=1, le=1000),
        search: str | None = Query(None, max_length=100),
        measure: str | None = Query(None, pattern=r"^[A-Za-z0-9_-]{1,64}$"),
        group: str | None = Query(None, pattern="^(contact|control)$"),
        order: str = Query("risk", pattern="^(risk|campaign)$"),
        limit: int = Query(50, ge=1, le=500),
        offset: int = Query(0, ge=0, le=100_000_000),
    ) -> MembersPage:
        """The latest month's members, riskiest first or in the campaign's order, filtered
        and paged."""
        with _reading_history():
            page, total = _store(store).latest_scores(
                tier=tier,
                segment=segment,
                search=search,
                measure=measure,
                group=group,
                order=order,
                limit=limit,
                offset=offset,
            )
        return MembersPage.model_validate(
            {"total": total, "limit": limit, "offset": offset, "members": _records(page)}
        )

    # documented by MemberRecord, answered as built (its times as they always were written)
    @app.get(
        "/v1/members/{member}",
        dependencies=[Depends(authorised)],
        response_model=None,
        responses={200: {"model": MemberRecord}},
    )
    def member(member: str) -> dict[str, Any]:
        """One member: their scores month by month (with the month's measure and group, and
        their value as recorded) and the contacts staff recorded."""
        with _reading_history():
            history = _store(store).member_history(member)
            contacts = _store(store).contacts(member=member) if not history.empty else None
        if history.empty or contacts is None:
            raise HTTPException(status_code=404, detail=f"no scores for member {member!r}")
        return {
            "member": member,
            "history": _records(history),
            "contacts": _records(contacts.drop(columns=["member"])),
        }

    @app.get("/v1/contacts", dependencies=[Depends(authorised)])
    def contacts(
        month: str | None = Query(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$"),
    ) -> dict[str, Any]:
        """The contacts staff recorded (of one month when given), oldest first."""
        with _reading_history():
            found = _store(store).contacts(month=month)
        return {"month": month, "contacts": _records(found)}

    @app.get("/v1/measures", dependencies=[Depends(authorised)])
    def measures() -> dict[str, Any]:
        """The playbook's measures in the served language: what each is, for whom, and what
        staff do (the script of a call)."""
        lang = bundle.lang
        return {
            "lang": lang,
            "measures": [
                {
                    "id": m.id,
                    "title": in_language(m.title, lang),
                    "audience": None if m.audience is None else in_language(m.audience, lang),
                    "script": in_language(m.description, lang),
                }
                for m in bundle.playbook.measures
            ],
        }

    @app.post("/v1/members/{member}/contacts", status_code=201, dependencies=[Depends(authorised)])
    def record_contact(member: str, contact: ContactIn) -> dict[str, Any]:
        """Record what came of contacting a member: reached, no answer, declined, accepted, or
        not contacted after all."""
        history = _store(store)
        with _reading_history():
            known = history.knows(member)
        if not known:
            raise HTTPException(status_code=404, detail=f"no scores for member {member!r}")
        checked = check_contacts(pd.DataFrame([{"member": member, **contact.model_dump()}]))
        with _reading_history():
            history.record_contacts(checked, source="api")
            recorded = history.contacts(member=member)
        return _records(recorded.tail(1))[0]

    mount_dashboard(app, bundle)
    mount_docs(app)
    return app


class RequestLog:
    """One line per request, naming the route's template: member ids never reach the log.

    Plain ASGI (Starlette's ``BaseHTTPMiddleware`` costs about a millisecond a request).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, note_status)
        finally:
            template = getattr(scope.get("route"), "path", "(unmatched)")
            _LOG.info(
                "%s %s %d %.1f ms",
                scope["method"],
                template,
                status,
                1000 * (time.perf_counter() - started),
            )


class BodyLimit:
    """Refuse a request whose body is over the limit with 413, without reading the rest of it.

    A declared ``Content-Length`` over the limit is refused before the body is read. A body
    without one (``Transfer-Encoding: chunked``) is counted as it arrives: once it passes the
    limit, reading stops and the client gets the same 413.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._refuse(f"request body of {declared} bytes is over", scope, receive, send)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge(self._detail("request body passed"))
            return message

        async def noted_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, noted_send)
        except BodyTooLarge:  # raised where nothing turned it into a response
            if started:
                raise
            await self._refuse("request body passed", scope, receive, send)

    def _detail(self, what: str) -> str:
        return f"{what} the limit of {self.max_body_bytes} bytes: send fewer members per request"

    async def _refuse(self, what: str, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse(
            status_code=413, content={"detail": self._detail(what)}, headers=_CLOSE
        )
        await response(scope, receive, send)


class BodyTooLarge(HTTPException):
    """The body being read passed the limit (FastAPI answers an HTTPException as it is: 413).

    Parameters
    ----------
    detail : str
        What the client is told.
    """

    def __init__(self, detail: str) -> None:
        super().__init__(status_code=413, detail=detail, headers=_CLOSE)


# the rest of a refused body is not read: the connection cannot carry another request
_CLOSE = {"Connection": "close"}


def _store(store: Any | None) -> Any:
    if store is None:
        raise HTTPException(
            status_code=404,
            detail=("no run history is served: start the server with --store (or CHURNLAB_STORE)"),
        )
    return store


#: Seconds a client is told to wait (Retry-After) when the run history is busy.
RETRY_AFTER = 2


@contextmanager
def _reading_history() -> Iterator[None]:
    """A store that cannot be read now (busy, unreachable) as 503: the client did nothing wrong.

    A DuckDB store is busy while a `churnlab score` run records into it; the store waits for it
    (:data:`churnlab.store.READ_WAIT`) before it gives up, so this is rare.
    """
    try:
        yield
    except StoreBusyError as exc:
        raise HTTPException(
            status_code=503,
            detail=f"the run history is busy: {exc.problem}; try again in a few seconds",
            headers={"Retry-After": str(RETRY_AFTER)},
        ) from None
    except ChurnlabError as exc:
        _LOG.warning("the run history cannot be read: %s", exc.problem)
        raise HTTPException(
            status_code=503, detail=f"the run history cannot be read now: {exc.problem}"
        ) from None


def _values(bundle: Bundle, scored: ScoredColumns) -> list[dict[str, Any]]:
    """Each scored member's staying chances, expected months, value and survival curve, from
    the bundle's model and economics (the fee and the discount), in ``scored``'s order.

    The values are :func:`~churnlab.scoring.value.member_values`' (as the month's run records
    them); the curve is the same chain (:func:`~churnlab.model.survival.survival_curves`).
    A figure that is not finite is None.
    """
    model, spec = bundle.model, bundle.model.spec_
    members = pd.DataFrame({name: scored.features[name] for name in spec.feature_names})
    curves = member_curves(model, members)
    values = member_values(model, members, bundle.economics, curves=curves)
    names = ["stay_3m", "stay_6m", "stay_12m", "expected_months_12", "member_value"]
    figures = _json_rows(values[names].to_numpy(dtype=float))
    survival = _json_rows(np.round(curves, SURVIVAL_DECIMALS))
    return [
        {**dict(zip(names, row, strict=True)), "survival": curve}
        for row, curve in zip(figures, survival, strict=True)
    ]


def _json_rows(table: np.ndarray) -> list[list[float | None]]:
    """A 2-d float array as lists of Python floats, None where not finite."""
    if np.isfinite(table).all():
        rows: list[list[float | None]] = table.tolist()
        return rows
    return [[v if math.isfinite(v) else None for v in row] for row in table.tolist()]


def _problems_of(exc: ChurnlabError) -> list[dict[str, Any]]:
    field = exc.column or "members"
    return [
        {"loc": ["body", "members", field], "msg": f"{field}: {exc.problem}", "type": "value_error"}
    ]


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _columns(
    members: list[dict[str, Any]], spec: DatasetSpec
) -> tuple[dict[str, np.ndarray], list[dict[str, Any]]]:
    """The members' values, one object array per feature, and the values no category can be.

    JSON carries values no column of a table would: integers beyond the floating-point range
    (a 400-digit ``Age``), ``Infinity`` literals, numbers beyond ``1e308``, lists and objects.
    In a number column the shared check (:func:`churnlab.data.validate.check_columns`) names them,
    as it does in a table; a list or object given for a category is one problem here, located
    at its member and field as the other bad values are, and leaves a gap (None) so the rest
    of the request is still checked.

    Parameters
    ----------
    members : list of dict
        The request's members, field -> value as decoded from JSON.
    spec : DatasetSpec
        The model's features.

    Returns
    -------
    columns : dict of str to ndarray
        One object array per feature; a member without the field, or with an unusable value,
        has None.
    problems : list of dict
        ``loc``, ``msg``, ``type`` of each unusable value (the detail of a 422).
    """
    columns = {}
    problems = []
    for feature in spec.features:
        name = feature.name
        column = np.empty(len(members), dtype=object)
        for i, member in enumerate(members):
            value = member.get(name)
            problem = _unusable(value, feature.kind)
            if problem is None:
                column[i] = value  # one by one: no array ever sees a member's list
            else:
                column[i] = None
                problems.append(_problem(i, name, problem))
        columns[name] = column
    return columns, problems


def _unusable(value: Any, kind: str) -> str | None:
    """Why a JSON value cannot be a category (None when it can, and for every value of a
    number column: the shared check names lists, objects, huge integers and infinities there,
    as it does for tables)."""
    if kind == "categorical" and isinstance(value, dict | list):
        return "a list or object, not one value"
    return None


def _problem(member: int, field: str, reason: str) -> dict[str, Any]:
    return {"loc": ["body", "members", member, field], "msg": f"{field}: {reason}",
            "type": "value_error"}  # fmt: skip


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {k: None if _missing(v) else python_scalar(v) for k, v in row.items()}
        for row in frame.astype(object).to_dict("records")
    ]
