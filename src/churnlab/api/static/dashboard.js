// churnlab staff dashboard: reads the /v1 API with the key and draws the page.
// Plain JavaScript, no build step and no outside resources. Every value from the API goes into
// the page with textContent or an SVG attribute, never as HTML.
"use strict";

(() => {
  const KEY_STORE = "churnlab-api-key";
  const PAGE_SIZE = 25;
  const SEARCH_DELAY_MS = 300;
  const SEGMENT_COLORS = ["#c2410c", "#d69e2e", "#7c5cc4", "#0e8f8f", "#2f855a", "#2b6cb0",
    "#b83280", "#5f6b7a"];
  const SVG_NS = "http://www.w3.org/2000/svg";

  const config = JSON.parse(document.getElementById("dashboard-text").textContent);
  const T = config.text;
  const locale = config.lang === "ru" ? "ru-RU" : "en-US";

  const state = {
    summary: null,
    segments: new Map(), // id -> {name, color}
    measures: new Map(), // id -> {title, script}
    filters: { tier: "", segment: "", search: "", measure: "", group: "" },
    offset: 0,
    total: 0,
    request: 0, // the latest member-list request; older answers are dropped
    started: false,
    calls: null, // the call tool (calls.js), made once
  };

  // ---------------------------------------------------------------- helpers

  const $ = (id) => document.getElementById(id);

  function say(template, fields) {
    return template.replace(/\{(\w+)\}/g, (whole, name) =>
      Object.prototype.hasOwnProperty.call(fields, name) ? String(fields[name]) : whole);
  }

  function el(tag, props, children) {
    const node = document.createElement(tag);
    if (props) {
      for (const [name, value] of Object.entries(props)) {
        if (value === undefined || value === null || value === false) continue;
        if (name === "text") node.textContent = String(value);
        else if (name === "className") node.className = value;
        else if (name === "color") node.style.setProperty("--c", value);
        else node.setAttribute(name, value === true ? "" : String(value));
      }
    }
    for (const child of children || []) {
      if (child !== null && child !== undefined) {
        node.append(typeof child === "string" ? document.createTextNode(child) : child);
      }
    }
    return node;
  }

  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, String(value));
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function finite(value) {
    return typeof value === "number" && Number.isFinite(value);
  }

  function num(value, digits = 0) {
    if (!finite(value)) return "—";
    return new Intl.NumberFormat(locale, {
      minimumFractionDigits: digits, maximumFractionDigits: digits,
    }).format(value);
  }

  function pct(value, digits = 1) {
    if (!finite(value)) return "—";
    return new Intl.NumberFormat(locale, {
      style: "percent", minimumFractionDigits: digits, maximumFractionDigits: digits,
    }).format(value);
  }

  function short(value) {
    if (!finite(value)) return "—";
    const size = Math.abs(value);
    const digits = size >= 100 ? 0 : size >= 10 ? 1 : 2;
    return num(value, digits);
  }

  function money(value) {
    if (!finite(value)) return "—";
    const currency = state.summary?.plan?.economics?.currency;
    const amount = num(value, 0);
    return currency ? `${amount} ${currency}` : amount;
  }

  function tierName(tier) {
    return T[`tier_${tier}`] || String(tier ?? "—");
  }

  function clear(node) {
    node.replaceChildren();
    return node;
  }

  // ---------------------------------------------------------------- the API

  class AuthError extends Error {}
  class ApiError extends Error {
    constructor(status, detail) {
      super(detail || String(status));
      this.status = status;
    }
  }

  // GET by default; `{ method: "POST", body }` sends `body` as JSON.
  async function api(path, { method = "GET", body } = {}) {
    const headers = { Accept: "application/json" };
    const key = sessionStorage.getItem(KEY_STORE);
    if (key) headers.Authorization = `Bearer ${key}`;
    const init = { method, headers, credentials: "same-origin", cache: "no-store" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (err) {
      throw new ApiError(0, T.offline);
    }
    if (response.status === 401) throw new AuthError();
    if (!response.ok) {
      let detail = "";
      try {
        const body = await response.json();
        detail = typeof body.detail === "string" ? body.detail : "";
      } catch (err) {
        detail = "";
      }
      throw new ApiError(response.status, detail);
    }
    return response.json();
  }

  function explain(err) {
    if (err instanceof ApiError && err.status === 0) return T.offline;
    return say(T.error, { status: err.status ?? "?" });
  }

  // ---------------------------------------------------------------- the key

  function askForKey() {
    const hadKey = Boolean(sessionStorage.getItem(KEY_STORE));
    sessionStorage.removeItem(KEY_STORE);
    $("content").hidden = true;
    $("status").textContent = "";
    $("forget-key").hidden = true;
    $("key-prompt").hidden = false;
    $("key-error").hidden = !hadKey;
    const input = $("key-input");
    input.value = "";
    input.focus();
  }

  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const key = $("key-input").value.trim();
    if (!key) return;
    sessionStorage.setItem(KEY_STORE, key);
    $("key-prompt").hidden = true;
    start();
  });

  $("forget-key").addEventListener("click", () => {
    sessionStorage.removeItem(KEY_STORE);
    window.location.reload();
  });

  // ---------------------------------------------------------------- start

  async function start() {
    $("status").textContent = T.loading;
    let summary = null;
    try {
      summary = await api("v1/summary");
    } catch (err) {
      if (err instanceof AuthError) {
        askForKey();
        return;
      }
      if (!(err instanceof ApiError && err.status === 404)) {
        $("status").textContent = explain(err);
        return;
      }
    }
    state.summary = summary;
    $("status").textContent = "";
    $("content").hidden = false;
    $("forget-key").hidden = !sessionStorage.getItem(KEY_STORE);
    for (const node of document.querySelectorAll(".summary-missing")) node.hidden = summary !== null;
    drawSummary(summary);
    if (!(await loadMeasures())) return;
    if (!state.started) {
      state.started = true;
      wireFilters();
      // calls.js, loaded before this script, offers the call tool; the page works without it
      if (typeof window.churnlabCalls === "function") state.calls = window.churnlabCalls(kit);
    }
    await Promise.all([loadMembers(), state.calls ? state.calls.start() : null]);
  }

  // The playbook's measures, for the measure filters and the scripts of the calls. False when
  // the key was refused (the prompt is shown); other failures leave the filters with "all" only.
  async function loadMeasures() {
    let body = null;
    try {
      body = await api("v1/measures");
    } catch (err) {
      if (err instanceof AuthError) {
        askForKey();
        return false;
      }
    }
    state.measures.clear();
    for (const m of body?.measures || []) {
      state.measures.set(String(m.id), {
        title: String(m.title ?? m.id), script: m.script ?? null,
      });
    }
    measureOptions($("f-measure"), state.filters.measure);
    state.filters.measure = $("f-measure").value;
    return true;
  }

  function measureOptions(select, value) {
    clear(select).append(el("option", { value: "", text: T.all }));
    for (const [id, m] of state.measures) select.append(el("option", { value: id, text: m.title }));
    select.value = state.measures.has(value) ? value : "";
  }

  // ---------------------------------------------------------------- the summary

  function drawSummary(summary) {
    const segments = summary?.segments || [];
    state.segments.clear();
    segments.forEach((seg, i) => {
      state.segments.set(Number(seg.id), {
        name: String(seg.name ?? seg.id), color: SEGMENT_COLORS[i % SEGMENT_COLORS.length],
      });
    });
    const meta = summary?.meta;
    if (meta?.source) {
      const created = meta.created ? new Date(meta.created) : null;
      const when = created && !Number.isNaN(created.getTime())
        ? created.toLocaleDateString(locale, { year: "numeric", month: "long", day: "numeric" })
        : "—";
      $("source").textContent = say(T.source, { source: meta.source, created: when });
    }
    drawSegmentFilter(segments);
    drawSegments(summary);
    drawQuality(summary);
    drawPlan(summary);
  }

  function drawSegmentFilter(segments) {
    const select = clear($("f-segment"));
    select.append(el("option", { value: "", text: T.all }));
    for (const seg of segments) {
      select.append(el("option", { value: String(seg.id), text: `${seg.id}. ${seg.name}` }));
    }
    select.value = state.filters.segment;
  }

  function rateLevel(rate, average) {
    if (!finite(rate) || !finite(average)) return "mid";
    return rate > average * 1.25 ? "high" : rate < average * 0.75 ? "low" : "mid";
  }

  function drawSegments(summary) {
    const segments = summary?.segments || [];
    const average = summary?.data?.churn_rate;
    $("segments-figure").hidden = segments.length === 0;
    $("segments-note").textContent = say(T.segments_chart_note, { rate: pct(average, 1) });
    clear($("segments-chart")).append(segmentsChart(segments, average));
    const kinds = new Map((summary?.data?.features || []).map((f) => [f.feature, f.kind]));
    const cards = clear($("portraits"));
    segments.forEach((seg, i) => {
      const color = SEGMENT_COLORS[i % SEGMENT_COLORS.length];
      const level = rateLevel(seg.churn_rate, average);
      const marks = (seg.distinguishing || []).map((mark) => {
        const share = (mark.category !== null && mark.category !== undefined)
          || kinds.get(mark.feature) === "binary";
        const fmt = (v) => (share ? pct(v, 0) : short(v));
        return el("div", {}, [
          el("dt", { text: mark.label ?? mark.feature }),
          el("dd", {}, [
            el("b", { text: fmt(mark.segment_mean) }),
            el("span", { className: "small", text: ` ${say(T.vs, { value: fmt(mark.overall_mean) })}` }),
          ]),
        ]);
      });
      cards.append(el("article", { className: "portrait", color, "aria-label": seg.name }, [
        el("header", {}, [
          el("span", { className: "num", "aria-hidden": "true", text: seg.id }),
          el("h4", { text: seg.name }),
        ]),
        el("div", { className: "facts" }, [
          el("span", {
            text: say(T.portrait_members, { members: num(seg.size), share: pct(seg.share, 0) }),
          }),
          el("span", { className: `rate ${level}`, text: say(T.portrait_churn, { rate: pct(seg.churn_rate, 0) }) }),
        ]),
        seg.description ? el("p", { text: seg.description }) : null,
        marks.length ? el("div", { className: "label-cap", text: T.distinguishing }) : null,
        marks.length ? el("dl", {}, marks) : null,
      ]));
    });
  }

  // Two bars per portrait: its share of the members (grey) and its churn rate (its colour),
  // on one scale, with the average churn as a dashed line. Plain elements sized in percent.
  function segmentsChart(segments, average) {
    const maxValue = Math.max(0.01, average || 0,
      ...segments.map((s) => Math.max(s.share || 0, s.churn_rate || 0)));
    const width = (v) => `${finite(v) ? Math.max(0, v) / maxValue * 100 : 0}%`;
    const bar = (kind, value, color, label) => {
      const fill = el("span", { className: "fill", color });
      fill.style.width = width(value);
      return el("div", { className: `sbar ${kind}` }, [
        el("span", { className: "sr", text: `${label}: ` }),
        el("span", { className: "track", "aria-hidden": "true" }, [fill]),
        el("span", { className: "v", text: pct(value, 0) }),
      ]);
    };
    const legend = el("div", { className: "slegend", "aria-hidden": "true" }, [
      el("span", { className: "key share", text: T.share }),
      el("span", { className: "key churn", color: SEGMENT_COLORS[0], text: T.churn }),
    ]);
    const rows = segments.map((seg, i) => {
      const color = SEGMENT_COLORS[i % SEGMENT_COLORS.length];
      return el("li", { className: "srow" }, [
        el("div", { className: "sname" }, [
          el("span", { className: "dot", color, "aria-hidden": "true", text: seg.id }),
          el("span", {}, [
            el("strong", { text: seg.name ?? seg.id }),
            el("span", { className: "small", text: ` · ${num(seg.size)}` }),
          ]),
        ]),
        el("div", { className: "sbars" }, [
          bar("share", seg.share, "#c5ced8", T.share),
          bar("churn", seg.churn_rate, color, T.churn),
        ]),
      ]);
    });
    const list = el("ol", { className: "schart" }, rows);
    if (finite(average)) {
      list.classList.add("has-avg");
      list.style.setProperty("--avg", width(average));
    }
    return el("div", {}, [legend, list]);
  }

  function drawQuality(summary) {
    const metrics = summary?.metrics || {};
    const spread = metrics.spread || {};
    const box = clear($("metrics"));
    for (const name of ["roc_auc", "pr_auc", "brier", "log_loss", "ece"]) {
      if (!finite(metrics[name])) continue;
      const good = name === "roc_auc" || name === "pr_auc";
      box.append(el("div", { className: `kpi${good ? " good" : ""}` }, [
        el("div", { className: "label", text: T[`m_${name}`] }),
        el("div", { className: "value" }, [
          num(metrics[name], 3),
          finite(spread[name]) ? el("small", { text: ` ± ${num(spread[name], 3)}` }) : null,
        ]),
        el("div", { className: "sub", text: T[`d_${name}`] }),
      ]));
    }
    const drivers = (summary?.drivers || []).slice(0, 8);
    const top = Math.max(0.01, ...drivers.map((d) => d.importance || 0));
    const list = clear($("drivers"));
    for (const d of drivers) {
      // a role not given ("unknown") is shown as such, never as a fixed trait
      const role = d.role === "lever" || d.role === "trait" ? d.role : "unknown";
      const fill = el("span");
      fill.style.width = `${Math.max(0, (d.importance || 0) / top * 100)}%`;
      list.append(el("li", { className: role }, [
        el("span", {}, [d.label ?? d.feature, el("span", { className: `badge ${role}`, text: T[role] })]),
        el("span", { className: "bar", "aria-hidden": "true" }, [fill]),
        el("span", { className: "imp", text: say(T.driver_points, { value: num(d.importance, 1) }) }),
      ]));
    }
  }

  function drawPlan(summary) {
    const plan = summary?.plan || {};
    const campaign = plan.campaign || {};
    const box = clear($("campaign"));
    const kpi = (label, value, tone) => el("div", { className: `kpi ${tone}` }, [
      el("div", { className: "label", text: label }),
      el("div", { className: "value", text: value }),
    ]);
    if (summary) {
      box.append(
        kpi(T.campaign_members, num(campaign.members), ""),
        kpi(T.expected_cost, money(campaign.expected_cost), "risk"),
        kpi(T.expected_saving, money(campaign.expected_saving), "good"),
        kpi(T.expected_net, money(campaign.expected_net), "good"),
      );
    }
    const body = clear($("groups"));
    const groups = plan.target_groups || [];
    if (summary && groups.length === 0) {
      body.append(el("tr", {}, [el("td", { colspan: 4, text: T.no_plan })]));
    }
    for (const g of groups) {
      body.append(el("tr", {}, [
        el("td", {}, [
          el("div", { className: "group-title", text: g.name ?? g.measure }),
          g.action ? el("p", { className: "action", text: g.action }) : null,
        ]),
        el("td", { className: "n", text: num(g.members) }),
        el("td", { className: "n", text: money(g.expected_cost) }),
        el("td", { className: "n", text: money(g.expected_saving) }),
      ]));
    }
  }

  // ---------------------------------------------------------------- the member list

  function wireFilters() {
    $("filters").addEventListener("submit", (event) => event.preventDefault());
    $("f-tier").addEventListener("change", (event) => {
      state.filters.tier = event.target.value;
      state.offset = 0;
      loadMembers();
    });
    $("f-segment").addEventListener("change", (event) => {
      state.filters.segment = event.target.value;
      state.offset = 0;
      loadMembers();
    });
    for (const name of ["measure", "group"]) {
      $(`f-${name}`).addEventListener("change", (event) => {
        state.filters[name] = event.target.value;
        state.offset = 0;
        loadMembers();
      });
    }
    let timer = 0;
    $("f-search").addEventListener("input", (event) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        state.filters.search = event.target.value.trim();
        state.offset = 0;
        loadMembers();
      }, SEARCH_DELAY_MS);
    });
    $("prev").addEventListener("click", () => {
      state.offset = Math.max(0, state.offset - PAGE_SIZE);
      loadMembers();
    });
    $("next").addEventListener("click", () => {
      if (state.offset + PAGE_SIZE < state.total) {
        state.offset += PAGE_SIZE;
        loadMembers();
      }
    });
  }

  function membersQuery() {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(state.offset) });
    if (state.filters.tier) query.set("tier", state.filters.tier);
    if (state.filters.segment) query.set("segment", state.filters.segment);
    if (state.filters.search) query.set("search", state.filters.search);
    if (state.filters.measure) query.set("measure", state.filters.measure);
    if (state.filters.group) query.set("group", state.filters.group);
    return query.toString();
  }

  async function loadMembers() {
    const request = ++state.request;
    const table = $("members-table");
    table.setAttribute("aria-busy", "true");
    let page;
    try {
      page = await api(`v1/members?${membersQuery()}`);
    } catch (err) {
      if (request !== state.request) return;
      table.removeAttribute("aria-busy");
      if (err instanceof AuthError) {
        askForKey();
        return;
      }
      const message = $("members-message");
      message.textContent = err instanceof ApiError && err.status === 404 ? T.no_store : explain(err);
      message.hidden = false;
      $("members-table-wrap").hidden = true;
      $("filters").hidden = err instanceof ApiError && err.status === 404;
      $("pager").hidden = true;
      return;
    }
    if (request !== state.request) return;
    table.removeAttribute("aria-busy");
    $("members-message").hidden = true;
    $("members-table-wrap").hidden = false;
    $("filters").hidden = false;
    $("pager").hidden = false;
    drawMembers(page);
  }

  function drawMembers(page) {
    const members = page.members || [];
    state.total = Number(page.total) || 0;
    const body = clear($("members-body"));
    for (const m of members) body.append(memberRow(m));
    const count = $("members-count");
    count.textContent = state.total === 0
      ? T.count_none
      : say(T.count, {
        from: num(state.offset + 1), to: num(state.offset + members.length), total: num(state.total),
      });
    $("prev").disabled = state.offset === 0;
    $("next").disabled = state.offset + members.length >= state.total;
  }

  function splitReasons(text) {
    if (text === null || text === undefined) return [];
    if (Array.isArray(text)) return text.map(String).filter(Boolean);
    return String(text).split("; ").map((s) => s.trim()).filter(Boolean);
  }

  function segmentLabel(id) {
    if (id === null || id === undefined) return null;
    const seg = state.segments.get(Number(id));
    return el("span", { className: "seg" }, [
      el("span", { className: "dot", color: seg?.color || "#5f6b7a", "aria-hidden": "true", text: id }),
      el("span", { text: seg ? seg.name : String(id) }),
    ]);
  }

  // The probability as text and a bar (the bar is decoration: the text says it).
  function probability(value) {
    const p = finite(value) ? value : null;
    const fill = el("span", { className: "fill" });
    fill.style.width = `${p === null ? 0 : Math.round(p * 100)}%`;
    return el("span", { className: "pbar" }, [
      el("span", { text: pct(p, 1) }),
      el("span", { className: "track", "aria-hidden": "true" }, [fill]),
    ]);
  }

  // A member's measure this month: only campaign members have one, with their group.
  function campaignOf(m) {
    const group = m.campaign_group === "contact" || m.campaign_group === "control"
      ? m.campaign_group : null;
    const title = group ? (state.measures.get(String(m.measure))?.title ?? m.action ?? "—") : "—";
    return { group, title };
  }

  function groupBadge(group) {
    return group ? el("span", { className: `badge ${group}`, text: T[`badge_${group}`] }) : null;
  }

  function memberRow(m) {
    const member = String(m.member);
    const reasons = splitReasons(m.reasons);
    const { group, title } = campaignOf(m);
    const toggle = el("button", {
      type: "button", className: "member-id", "aria-expanded": "false",
      "aria-label": say(T.details, { member }), text: member,
    });
    const row = el("tr", {
      className: "member", "data-member": member, "data-tier": m.risk_tier, "data-group": group ?? "",
    }, [
      el("th", { scope: "row" }, [toggle]),
      el("td", { className: "n" }, [probability(m.churn_probability)]),
      el("td", {}, [el("span", { className: `tier ${m.risk_tier}`, text: tierName(m.risk_tier) })]),
      el("td", { className: "hide-s" }, [segmentLabel(m.segment)]),
      el("td", { className: "hide-s measure" }, [el("span", { text: title }), groupBadge(group)]),
      el("td", { className: "reason hide-m", text: reasons[0] ?? "—" }),
    ]);
    const open = () => toggleDetails(row, toggle, m, reasons);
    toggle.addEventListener("click", (event) => {
      event.stopPropagation();
      open();
    });
    row.addEventListener("click", open);
    return row;
  }

  function toggleDetails(row, toggle, m, reasons) {
    const next = row.nextElementSibling;
    if (next && next.classList.contains("details")) {
      next.remove();
      row.classList.remove("open");
      toggle.setAttribute("aria-expanded", "false");
      return;
    }
    const member = String(m.member);
    const campaign = campaignOf(m);
    const detailsId = `details-${state.request}-${row.rowIndex}`;
    const history = el("div", { className: "history-box" }, [el("p", { className: "small", text: T.loading })]);
    const value = el("div", { className: "value-box" }, [el("p", { className: "small", text: T.loading })]);
    const cell = el("td", { colspan: 6 }, [
      el("div", { className: "detail-grid" }, [
        el("div", {}, [
          el("h4", { text: T.reasons }),
          reasons.length
            ? el("ul", { className: "reasons" }, reasons.map((r) => el("li", { text: r })))
            : el("p", { className: "small", text: T.reasons_none }),
          el("h4", { text: T.action }),
          el("p", {}, [campaign.title, groupBadge(campaign.group)]),
          el("h4", { text: T.value }),
          value,
        ]),
        el("div", {}, [el("h4", { text: T.history }), history]),
      ]),
    ]);
    const details = el("tr", { className: "details", id: detailsId }, [cell]);
    row.after(details);
    row.classList.add("open");
    toggle.setAttribute("aria-expanded", "true");
    toggle.setAttribute("aria-controls", detailsId);
    loadHistory(member, history, value);
  }

  // The member's record: their months (a sparkline and a table) and their latest value.
  async function loadHistory(member, box, valueBox) {
    let body;
    try {
      body = await api(`v1/members/${encodeURIComponent(member)}`);
    } catch (err) {
      if (err instanceof AuthError) {
        askForKey();
        return;
      }
      clear(box).append(el("p", { className: "small", text: err.status === 404 ? T.history_none : explain(err) }));
      clear(valueBox).append(el("p", { className: "small", text: T.value_none }));
      return;
    }
    const months = (body.history || []).filter((h) => finite(h.churn_probability));
    clear(box);
    showValue(valueBox, months[months.length - 1]);
    if (months.length === 0) {
      box.append(el("p", { className: "small", text: T.history_none }));
      return;
    }
    if (months.length > 1) box.append(sparkline(months));
    box.append(el("table", { className: "history" }, [
      el("thead", {}, [el("tr", {}, [
        el("th", { scope: "col", text: T.month }),
        el("th", { scope: "col", className: "n", text: T.col_probability }),
        el("th", { scope: "col", text: T.col_tier }),
      ])]),
      el("tbody", {}, months.map((h) => el("tr", {}, [
        el("td", { text: h.month ?? "—" }),
        el("td", { className: "n", text: pct(h.churn_probability, 1) }),
        el("td", {}, [el("span", { className: `tier ${h.risk_tier}`, text: tierName(h.risk_tier) })]),
      ]))),
    ]));
  }

  function sparkline(months) {
    const width = 360;
    const height = 90;
    const pad = { left: 40, right: 12, top: 10, bottom: 20 };
    const w = width - pad.left - pad.right;
    const h = height - pad.top - pad.bottom;
    const x = (i) => pad.left + (months.length === 1 ? w / 2 : i / (months.length - 1) * w);
    const y = (p) => pad.top + (1 - p) * h;
    const chart = svg("svg", {
      class: "spark", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": T.history,
    });
    for (const tick of [0, 0.5, 1]) {
      chart.append(svg("line", { x1: pad.left, x2: width - pad.right, y1: y(tick), y2: y(tick), stroke: "#e6e9ef" }));
      chart.append(svg("text", { x: pad.left - 6, y: y(tick) + 4, "text-anchor": "end", class: "muted" }, pct(tick, 0)));
    }
    const points = months.map((m, i) => `${x(i).toFixed(1)},${y(m.churn_probability).toFixed(1)}`);
    chart.append(svg("polyline", { points: points.join(" "), fill: "none", stroke: "#c2410c", "stroke-width": 2 }));
    months.forEach((m, i) => {
      const dot = svg("circle", { cx: x(i), cy: y(m.churn_probability), r: 3.5, fill: "#c2410c" });
      dot.append(svg("title", {}, `${m.month}: ${pct(m.churn_probability, 1)}`));
      chart.append(dot);
    });
    const last = months.length - 1;
    chart.append(svg("text", { x: x(0), y: height - 4, class: "muted" }, months[0].month ?? ""));
    chart.append(svg("text", { x: x(last), y: height - 4, "text-anchor": "end", class: "muted" }, months[last].month ?? ""));
    return chart;
  }

  // The latest month's value: expected months of the next 12, the value, and the chances of
  // staying. The history keeps the curve at 1 month (1 - churn probability), 3 and 12 months:
  // the bars show those, where the curve is known, rather than a line guessed between them.
  function showValue(box, latest) {
    clear(box);
    const known = latest && (finite(latest.expected_months_12) || finite(latest.member_value));
    if (!known) {
      box.append(el("p", { className: "small", text: T.value_none }));
      return;
    }
    box.append(
      el("p", { className: "expected-months", text: say(T.expected_months, { months: num(latest.expected_months_12, 1) }) }),
      el("p", { className: "member-value", text: say(T.member_value, { value: money(latest.member_value) }) }),
    );
    const points = [
      { months: 1, stay: 1 - latest.churn_probability },
      { months: 3, stay: latest.stay_3m },
      { months: 12, stay: latest.stay_12m },
    ].filter((point) => finite(point.stay));
    box.append(survivalBars(points), el("p", { className: "small", text: T.survival_note }));
  }

  function survivalBars(points) {
    const width = 360;
    const height = 130;
    const pad = { left: 40, right: 24, top: 18, bottom: 22 };
    const w = width - pad.left - pad.right;
    const h = height - pad.top - pad.bottom;
    const barWidth = 22;
    const x = (months) => pad.left + months / 12 * w; // a bar's centre, on a 0-12 month axis
    const y = (p) => pad.top + (1 - Math.min(Math.max(p, 0), 1)) * h;
    const chart = svg("svg", {
      class: "survival", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": T.survival_chart,
    });
    chart.append(svg("title", {}, T.survival_chart));
    for (const tick of [0, 0.5, 1]) {
      chart.append(svg("line", { x1: pad.left, x2: width - pad.right, y1: y(tick), y2: y(tick), stroke: "#e6e9ef" }));
      chart.append(svg("text", { x: pad.left - 6, y: y(tick) + 4, "text-anchor": "end", class: "muted" }, pct(tick, 0)));
    }
    for (const point of points) {
      const label = say(T.stay_after, { months: num(point.months) });
      const bar = svg("rect", {
        class: "stay", "data-months": point.months, "data-stay": point.stay,
        x: (x(point.months) - barWidth / 2).toFixed(1), y: y(point.stay).toFixed(1),
        width: barWidth, height: (y(0) - y(point.stay)).toFixed(1), fill: "#0e8f8f", rx: 2,
      });
      bar.append(svg("title", {}, `${label}: ${pct(point.stay, 1)}`));
      chart.append(bar);
      chart.append(svg("text", { x: x(point.months), y: y(point.stay) - 4, "text-anchor": "middle", class: "value" }, pct(point.stay, 0)));
      chart.append(svg("text", { x: x(point.months), y: height - 4, "text-anchor": "middle", class: "muted" }, label));
    }
    return chart;
  }

  // What the call tool (calls.js) uses of this script.
  const kit = Object.freeze({
    T, $, el, say, num, clear, api, AuthError, ApiError, explain, askForKey,
    splitReasons, segmentLabel, probability, measureOptions, PAGE_SIZE,
    measure: (id) => state.measures.get(String(id)) ?? null,
  });

  start();
})();
