// churnlab staff dashboard: this month's calls. The campaign's contact group in its order, what
// to say to each member, and a button per outcome that records the call (POST .../contacts).
// Loaded before dashboard.js, which calls window.churnlabCalls(kit) once with its helpers.
// Every value from the API goes into the page with textContent, never as HTML.
"use strict";

window.churnlabCalls = (kit) => {
  const { T, $, el, say, num, clear, api, AuthError, ApiError, explain } = kit;
  const OUTCOMES = ["reached", "no_answer", "declined", "accepted", "not_contacted"];
  const NOTE_LONGEST = 2000; // the API's limit of a note

  const state = {
    measure: "",
    offset: 0,
    total: 0,
    request: 0, // the latest list request; older answers are dropped
    month: null, // the month of the listed members, the month a call is recorded for
    outcomes: new Map(), // member -> the latest outcome recorded this month
    opened: 0, // numbers the details rows, for their ids
  };

  // ---------------------------------------------------------------- the list

  $("calls-filters").addEventListener("submit", (event) => event.preventDefault());
  $("c-measure").addEventListener("change", (event) => {
    state.measure = event.target.value;
    state.offset = 0;
    load();
  });
  $("calls-prev").addEventListener("click", () => {
    state.offset = Math.max(0, state.offset - kit.PAGE_SIZE);
    load();
  });
  $("calls-next").addEventListener("click", () => {
    if (state.offset + kit.PAGE_SIZE < state.total) {
      state.offset += kit.PAGE_SIZE;
      load();
    }
  });

  function query() {
    const q = new URLSearchParams({
      group: "contact", order: "campaign", limit: String(kit.PAGE_SIZE), offset: String(state.offset),
    });
    if (state.measure) q.set("measure", state.measure);
    return q.toString();
  }

  // Shows `text` (a string, or nodes) instead of the list; `filters` keeps the measure filter.
  function showMessage(text, filters) {
    const box = clear($("calls-message"));
    box.append(...(Array.isArray(text) ? text : [text]));
    box.hidden = false;
    $("calls-filters").hidden = !filters;
    $("calls-table-wrap").hidden = true;
    $("calls-pager").hidden = true;
  }

  function noCampaign() {
    const [before, after] = T.calls_none.split("{command}");
    return [before, el("code", { text: "churnlab month" }), after ?? ""];
  }

  // (Re)starts the tool: the measure filter from the playbook's measures, then the list.
  function start() {
    kit.measureOptions($("c-measure"), state.measure);
    state.measure = $("c-measure").value;
    return load();
  }

  async function load() {
    const request = ++state.request;
    const table = $("calls-table");
    table.setAttribute("aria-busy", "true");
    let page;
    let contacts = null;
    try {
      page = await api(`v1/members?${query()}`);
      const month = page.members?.[0]?.month;
      if (month) contacts = await api(`v1/contacts?month=${encodeURIComponent(month)}`);
    } catch (err) {
      if (request !== state.request) return;
      table.removeAttribute("aria-busy");
      if (err instanceof AuthError) {
        kit.askForKey();
        return;
      }
      const missing = err instanceof ApiError && err.status === 404;
      showMessage(missing ? T.no_store : explain(err), false);
      return;
    }
    if (request !== state.request) return;
    table.removeAttribute("aria-busy");
    const members = page.members || [];
    state.total = Number(page.total) || 0;
    if (members.length === 0 && state.offset > 0) { // paged past the end: the list shrank
      state.offset = 0;
      load();
      return;
    }
    if (members.length === 0) {
      if (state.measure) showMessage(T.calls_none_measure, true);
      else showMessage(noCampaign(), false);
      return;
    }
    state.month = String(members[0].month);
    state.outcomes.clear();
    for (const c of contacts?.contacts || []) state.outcomes.set(String(c.member), c.outcome);
    $("calls-message").hidden = true;
    $("calls-filters").hidden = false;
    $("calls-table-wrap").hidden = false;
    $("calls-pager").hidden = false;
    const body = clear($("calls-body"));
    for (const m of members) body.append(callRow(m));
    $("calls-count").textContent = say(T.calls_count, {
      from: num(state.offset + 1), to: num(state.offset + members.length), total: num(state.total),
      month: state.month,
    });
    $("calls-prev").disabled = state.offset === 0;
    $("calls-next").disabled = state.offset + members.length >= state.total;
  }

  function outcomeTag(outcome) {
    return outcome
      ? el("span", { className: `outcome-tag ${outcome}`, text: T[`done_${outcome}`] ?? outcome })
      : el("span", { className: "outcome-tag none", text: T.outcome_none });
  }

  function callRow(m) {
    const member = String(m.member);
    const reasons = kit.splitReasons(m.reasons);
    const measure = kit.measure(m.measure);
    const outcome = state.outcomes.get(member) ?? null;
    const toggle = el("button", {
      type: "button", className: "call-id", "aria-expanded": "false",
      "aria-label": say(T.call_details, { member }), text: member,
    });
    const outcomeCell = el("td", { className: "outcome" }, [outcomeTag(outcome)]);
    const row = el("tr", {
      className: "member call", "data-member": member, "data-rank": m.campaign_rank ?? "",
      "data-outcome": outcome ?? "",
    }, [
      el("td", { className: "n rank", text: m.campaign_rank ?? "—" }),
      el("th", { scope: "row" }, [toggle]),
      el("td", { className: "n hide-s" }, [kit.probability(m.churn_probability)]),
      el("td", { className: "hide-s" }, [kit.segmentLabel(m.segment)]),
      el("td", { text: measure?.title ?? m.action ?? "—" }),
      el("td", { className: "reason hide-m", text: reasons[0] ?? "—" }),
      outcomeCell,
    ]);
    const shown = (value) => {
      state.outcomes.set(member, value);
      row.dataset.outcome = value;
      clear(outcomeCell).append(outcomeTag(value));
    };
    const open = () => toggleCall(row, toggle, m, { reasons, measure, shown });
    toggle.addEventListener("click", (event) => {
      event.stopPropagation();
      open();
    });
    row.addEventListener("click", open);
    return row;
  }

  // ---------------------------------------------------------------- one call

  function toggleCall(row, toggle, m, { reasons, measure, shown }) {
    const next = row.nextElementSibling;
    if (next && next.classList.contains("details")) {
      next.remove();
      row.classList.remove("open");
      toggle.setAttribute("aria-expanded", "false");
      return;
    }
    const id = `call-${++state.opened}`;
    const note = el("textarea", {
      id: `${id}-note`, className: "note-input", rows: 2, maxlength: NOTE_LONGEST,
      placeholder: T.note_placeholder,
    });
    const status = el("p", { className: "call-status", role: "status", "aria-live": "polite" });
    const buttons = OUTCOMES.map((outcome) => {
      const button = el("button", {
        type: "button", className: `outcome-button ${outcome}`, "data-outcome": outcome,
        text: T[`outcome_${outcome}`],
      });
      button.addEventListener("click", () => record(m, outcome, { note, status, buttons, shown }));
      return button;
    });
    const cell = el("td", { colspan: 7 }, [
      el("div", { className: "detail-grid" }, [
        el("div", {}, [
          el("h4", { text: T.script }),
          el("p", { className: "script", text: measure?.script ?? T.script_none }),
          el("h4", { text: T.reasons }),
          reasons.length
            ? el("ul", { className: "reasons" }, reasons.map((r) => el("li", { text: r })))
            : el("p", { className: "small", text: T.reasons_none }),
        ]),
        el("div", { className: "call-form" }, [
          el("label", { for: note.id, text: T.note_label }),
          note,
          el("div", { className: "outcomes", role: "group", "aria-label": T.outcomes_label }, buttons),
          status,
        ]),
      ]),
    ]);
    const details = el("tr", { className: "details", id }, [cell]);
    row.after(details);
    row.classList.add("open");
    toggle.setAttribute("aria-expanded", "true");
    toggle.setAttribute("aria-controls", id);
  }

  async function record(m, outcome, { note, status, buttons, shown }) {
    if (status.dataset.busy === "1") return; // one request at a time; the buttons stay focusable
    status.dataset.busy = "1";
    status.classList.remove("error");
    status.textContent = T.recording;
    const text = note.value.trim();
    let contact;
    try {
      contact = await api(`v1/members/${encodeURIComponent(String(m.member))}/contacts`, {
        method: "POST", body: { month: String(m.month), outcome, note: text || null },
      });
    } catch (err) {
      delete status.dataset.busy;
      if (err instanceof AuthError) {
        kit.askForKey();
        return;
      }
      status.classList.add("error");
      status.textContent = err instanceof ApiError && err.status === 422 ? T.record_refused
        : err instanceof ApiError && err.status === 404 ? T.record_unknown
          : say(T.record_failed, { reason: explain(err) });
      return;
    }
    delete status.dataset.busy;
    const recorded = OUTCOMES.includes(contact?.outcome) ? contact.outcome : outcome;
    shown(recorded);
    for (const button of buttons) button.classList.toggle("chosen", button.dataset.outcome === recorded);
    note.value = "";
    status.textContent = say(T.recorded, { outcome: T[`done_${recorded}`] });
  }

  return Object.freeze({ start });
};
