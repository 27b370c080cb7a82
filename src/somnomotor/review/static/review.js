// somnomotor review screen: plain JavaScript and canvas, no build step, nothing from a CDN.
"use strict";
(function () {
  const TOKEN = document.querySelector('meta[name="review-token"]').content;
  const STAGE_Y = { W: 0, R: 1, N1: 2, N2: 3, N3: 4 };
  const STAGE_NAMES = ["W", "R", "N1", "N2", "N3"];
  const WINDOWS = [10, 30, 60, 120, 300];
  const DEFAULT_GAIN = { emg: 50, eeg: 50, eog: 50, ecg: 500, other: 100 };
  const GAINS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];
  const LANE_H = 30;          // combined leg-movement lane at the top of the traces
  const LABEL_W = 92;         // channel labels on the left
  const EDGE_PX = 6;          // how near an edge a drag moves onset/offset
  const COLORS = {
    plm: "rgba(230, 81, 0, 0.38)", plmLine: "#e65100",
    clm: "rgba(25, 118, 210, 0.30)", clmLine: "#1976d2",
    nonclm: "rgba(120, 120, 120, 0.30)", nonclmLine: "#616161",
    notcounted: "rgba(0,0,0,0)", notcountedLine: "#424242",
    uns: "rgba(211, 47, 47, 0.18)", unsLine: "#c62828",
    motor: "rgba(46, 125, 50, 0.25)", motorLine: "#2e7d32",
    phasic: "#7b1fa2", tonic: "#b71c1c", any: "#f06292",
  };

  const R = {            // everything the page knows; window.review for tests
    night: null, state: null, session: null, revision: 0,
    view: { start: 0, len: 30, filter: true },
    shown: [], gain: {}, traces: null, cache: new Map(),
    selected: null, drag: null, hover: null, busy: false, lastFetchMs: 0,
  };
  window.review = R;

  const $ = (id) => document.getElementById(id);
  const hyp = $("hypnogram"), cv = $("traces");

  // -- server ---------------------------------------------------------------------------
  async function api(path, body) {
    const opts = body === undefined ? {} : {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Review-Token": TOKEN,
                 "X-Review-Session": R.session || "", "If-Match": '"' + R.revision + '"' },
      body: JSON.stringify(body),
    };
    if (body === undefined && R.session) opts.headers = { "X-Review-Session": R.session };
    const res = await fetch(path, opts);
    const doc = await res.json();
    if (!res.ok) { const err = new Error(doc.error || res.statusText); err.status = res.status; throw err; }
    return doc;
  }
  function status(text, kind) {
    const el = $("status"); el.textContent = text; el.className = kind || "";
  }
  function setState(doc) {
    R.state = doc; R.session = doc.session; R.revision = doc.revision;
    $("tooltip").hidden = true;
    R.events = doc.events; R.lms = doc.leg_movements;
    R.lmById = new Map(R.lms.map((lm) => [lm.lm_id, lm]));
    if (R.selected && R.selected.type === "edit" && !R.events.find((e) => e.id === R.selected.id)) R.selected = null;
    $("undo").disabled = !doc.can_undo; $("redo").disabled = !doc.can_redo;
    renderIndices(); renderSelection(); drawHypnogram(); drawTraces();
  }

  // -- time helpers ---------------------------------------------------------------------
  function clock(t) {
    if (!R.night.start) return t.toFixed(1) + " s";
    const d = new Date(new Date(R.night.start + "Z").getTime() + t * 1000);
    return d.toISOString().substr(11, 8);
  }
  function stageAt(t) {
    const h = R.night.hypnogram; if (!h) return "n/a";
    const i = Math.floor((t - h.onset_s) / h.epoch_s);
    return i >= 0 && i < h.stages.length ? h.stages[i] : "n/a";
  }
  function epochOf(t) { const h = R.night.hypnogram; const e = h ? h.epoch_s : 30; return Math.floor(t / e) + 1; }
  function clampStart(s) { return Math.max(0, Math.min(s, Math.max(0, R.night.duration_s - R.view.len))); }
  function goTo(start) {
    R.view.start = clampStart(start); updateClock(); drawHypnogram(); loadTraces();
  }
  function updateClock() {
    const v = R.view;
    $("clock").textContent = `${clock(v.start)}  ${v.start.toFixed(1)}-${(v.start + v.len).toFixed(1)} s  ` +
      `epoch ${epochOf(v.start)} of ${Math.ceil(R.night.duration_s / 30)}  stage ${stageAt(v.start + Math.min(v.len, 30) / 2)}`;
  }

  // -- events, classified -----------------------------------------------------------------
  function lmClass(lm) {
    if (!lm) return "notcounted";
    if (lm.in_series) return "plm";
    return lm.candidate ? "clm" : "nonclm";
  }
  function channelsOf(ev) { return String(ev.channel || "").split(/[,+]/).filter(Boolean); }
  function navItems(kind) {
    const out = [];
    if (kind.startsWith("lm:")) {
      const k = kind.slice(3);
      for (const ev of R.events) {
        if (ev.trial_type !== "leg_movement") continue;
        const lm = R.lmById.get(ev.lm_id);
        const ok = k === "all" || (k === "plm" && lm && lm.in_series) || (k === "nonplm" && lm && !lm.in_series) ||
          (k === "notcounted" && !lm) || (k === "resp" && lm && lm.respiratory_related) ||
          (k === "arousal" && lm && lm.arousal_associated);
        if (ok) out.push({ t: ev.onset_s, sel: { type: "edit", id: ev.id } });
      }
    } else if (kind.startsWith("fixed:")) {
      const k = kind.slice(6);
      R.night.fixed_events.forEach((ev, i) => {
        if (k === "unscorable" && ev.trial_type === "unscorable") out.push({ t: ev.onset_s, sel: { type: "fixed", i } });
        if (k === "phasic" && ev.trial_type === "rswa_mini_epoch" && ev.phasic) out.push({ t: ev.onset_s, sel: { type: "fixed", i } });
        if (k === "tonic" && ev.trial_type === "rswa_epoch" && ev.chin_tonic) out.push({ t: ev.onset_s, sel: { type: "fixed", i } });
      });
    } else {
      for (const ev of R.events) if (ev.trial_type === kind) out.push({ t: ev.onset_s, sel: { type: "edit", id: ev.id } });
    }
    out.sort((a, b) => a.t - b.t);
    return out;
  }
  function jumpEvent(dir) {
    const items = navItems($("nav-kind").value);
    const ref = R.selected && R.selected.t !== undefined ? R.selected.t : (dir > 0 ? R.view.start - 1e-9 : R.view.start + R.view.len);
    const next = dir > 0 ? items.find((x) => x.t > ref + 1e-6) : [...items].reverse().find((x) => x.t < ref - 1e-6);
    if (!next) { status("no further event of this kind", ""); return; }
    R.selected = { ...next.sel, t: next.t };
    goTo(Math.floor(next.t / R.view.len) * R.view.len);
    renderSelection();
  }

  // -- hypnogram --------------------------------------------------------------------------
  function drawHypnogram() {
    if (!R.night) return;
    const w = hyp.clientWidth, h = hyp.clientHeight, dpr = window.devicePixelRatio || 1;
    hyp.width = w * dpr; hyp.height = h * dpr;
    const g = hyp.getContext("2d"); g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    const x0 = 28, x1 = w - 4, dur = R.night.duration_s, X = (t) => x0 + (x1 - x0) * t / dur;
    const top = 6, rowH = 11;
    g.font = "10px system-ui"; g.fillStyle = "#555";
    STAGE_NAMES.forEach((s, i) => g.fillText(s, 2, top + i * rowH + 8));
    const hp = R.night.hypnogram;
    if (hp) {
      g.strokeStyle = "#263238"; g.lineWidth = 1.5; g.beginPath();
      hp.stages.forEach((s, i) => {
        const y = STAGE_Y[s]; const t = hp.onset_s + i * hp.epoch_s;
        if (y === undefined) { g.fillStyle = "#ddd"; g.fillRect(X(t), top, X(t + hp.epoch_s) - X(t), 5 * rowH); return; }
        const yy = top + y * rowH + 5;
        if (s === "R") { g.fillStyle = "rgba(123,31,162,.25)"; g.fillRect(X(t), top + rowH, X(t + hp.epoch_s) - X(t), rowH - 2); }
        g.lineTo(X(t), yy); g.lineTo(X(t + hp.epoch_s), yy);
      });
      g.stroke();
    }
    // leg movements per epoch: all LMs grey, PLM orange
    const base = h - 6, maxH = 36, bin = 30, n = Math.ceil(dur / bin);
    const all = new Array(n).fill(0), plm = new Array(n).fill(0);
    for (const lm of R.lms || []) { const i = Math.floor(lm.onset_s / bin); if (i < n) { all[i]++; if (lm.in_series) plm[i]++; } }
    const peak = Math.max(4, ...all);
    for (let i = 0; i < n; i++) {
      if (!all[i]) continue;
      const xa = X(i * bin), wa = Math.max(1, X((i + 1) * bin) - xa);
      g.fillStyle = "#9e9e9e"; g.fillRect(xa, base - maxH * all[i] / peak, wa, maxH * all[i] / peak);
      g.fillStyle = COLORS.plmLine; g.fillRect(xa, base - maxH * plm[i] / peak, wa, maxH * plm[i] / peak);
    }
    g.fillStyle = "#555"; g.fillText("LM", 2, base - 4);
    for (const ev of R.night.fixed_events) {
      if (ev.trial_type !== "unscorable") continue;
      g.fillStyle = COLORS.unsLine; g.fillRect(X(ev.onset_s), h - 5, Math.max(1, X(ev.onset_s + ev.duration_s) - X(ev.onset_s)), 4);
    }
    g.strokeStyle = "#0d47a1"; g.lineWidth = 2;
    g.strokeRect(X(R.view.start), 1, Math.max(2, X(R.view.start + R.view.len) - X(R.view.start)), h - 2);
    hyp._X = { x0, x1, dur };
  }
  hyp.addEventListener("click", (e) => {
    const m = hyp._X; if (!m) return;
    const x = e.clientX - hyp.getBoundingClientRect().left;
    const t = (x - m.x0) / (m.x1 - m.x0) * m.dur;
    goTo(Math.floor(t / R.view.len) * R.view.len);
  });

  // -- signal fetching --------------------------------------------------------------------
  function traceKey(start, len) { return `${start}|${len}|${R.view.filter}|${R.shown.join(",")}|${cv.clientWidth}`; }
  async function fetchWindow(start, len) {
    const key = traceKey(start, len);
    if (R.cache.has(key)) return R.cache.get(key);
    if (!R.shown.length || !R.night.channels.length) return { traces: [] };
    const px = Math.max(100, Math.round(cv.clientWidth - LABEL_W));
    const p = api(`/api/signal?channels=${encodeURIComponent(R.shown.join(","))}&start=${start}` +
      `&duration=${len}&pixels=${px}&filter=${R.view.filter ? 1 : 0}`);
    R.cache.set(key, p);
    if (R.cache.size > 24) R.cache.delete(R.cache.keys().next().value);
    return p;
  }
  async function loadTraces() {
    const t0 = performance.now(), start = R.view.start, len = R.view.len;
    try {
      const doc = await fetchWindow(start, len);
      if (start !== R.view.start || len !== R.view.len) return;
      R.traces = doc.traces; R.lastFetchMs = performance.now() - t0;
      drawTraces();
      fetchWindow(clampStart(start + len), len).catch(() => {});   // the next page, ahead
    } catch (err) { status(err.message, "error"); }
  }

  // -- traces -----------------------------------------------------------------------------
  function layout() {
    const w = cv.clientWidth, h = cv.clientHeight, n = Math.max(1, R.shown.length);
    const rowH = (h - LANE_H - 18) / n;
    return { w, h, rowH, x0: LABEL_W, x1: w - 4,
             X: (t) => LABEL_W + (w - 4 - LABEL_W) * (t - R.view.start) / R.view.len,
             T: (x) => R.view.start + (x - LABEL_W) / (w - 4 - LABEL_W) * R.view.len,
             rowTop: (i) => LANE_H + i * rowH };
  }
  function rowOfChannel(label) { return R.shown.indexOf(label); }
  // page coordinates of time t (s) in the middle of a channel's row (keyboard-free checks)
  R.toScreen = (t, label) => {
    const L = layout(), r = cv.getBoundingClientRect(), i = rowOfChannel(label);
    return { x: r.left + L.X(t), y: r.top + L.rowTop(i) + L.rowH / 2 };
  };
  function drawTraces() {
    if (!R.night || !R.state) return;
    const dpr = window.devicePixelRatio || 1, L = layout();
    cv.width = L.w * dpr; cv.height = L.h * dpr;
    const g = cv.getContext("2d"); g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, L.w, L.h);
    const v = R.view, end = v.start + v.len;
    // time grid: seconds light, epochs bold
    const step = v.len <= 30 ? 1 : v.len <= 60 ? 5 : v.len <= 120 ? 10 : 30;
    g.font = "10px system-ui";
    for (let t = Math.ceil(v.start / step) * step; t <= end; t += step) {
      const x = L.X(t), epoch = Math.abs(t / 30 - Math.round(t / 30)) < 1e-9;
      g.strokeStyle = epoch ? "#90a4ae" : "#eceff1"; g.lineWidth = epoch ? 1.5 : 1;
      g.beginPath(); g.moveTo(x, LANE_H); g.lineTo(x, L.h - 16); g.stroke();
      const every = v.len <= 10 ? 1 : step * 5;
      if (epoch || Math.abs(t / every - Math.round(t / every)) < 1e-9) { g.fillStyle = "#607d8b"; g.fillText(`${Math.round(t)} s`, x + 2, L.h - 4); }
    }
    // stage of each epoch on screen
    // channel rows
    g.font = "11px system-ui";
    R.shown.forEach((label, i) => {
      const top = L.rowTop(i), mid = top + L.rowH / 2;
      const ch = R.night.channels.find((c) => c.label === label);
      g.fillStyle = i % 2 ? "#fcfcfc" : "#fff"; g.fillRect(L.x0, top, L.x1 - L.x0, L.rowH);
      g.strokeStyle = "#eee"; g.beginPath(); g.moveTo(L.x0, mid); g.lineTo(L.x1, mid); g.stroke();
      g.fillStyle = "#263238"; g.fillText(label, 4, mid - 2);
      g.fillStyle = "#78909c"; g.fillText(`${R.gain[label]} µV/div`, 4, mid + 11);
      if (ch && ch.role) g.fillText(ch.role, 4, mid + 23);
    });
    drawFixed(g, L); drawEditable(g, L); drawLane(g, L);
    // stage of each epoch on screen, at the right end of the epoch in the lane
    g.textAlign = "right";
    for (let e = Math.floor(v.start / 30) * 30; e < end; e += 30) {
      g.fillStyle = "#37474f"; g.font = "bold 11px system-ui";
      g.fillText(`epoch ${epochOf(e + 0.01)}: ${stageAt(e + 15)}`, Math.min(L.x1, L.X(e + 30)) - 4, LANE_H - 6);
    }
    g.textAlign = "left"; g.font = "11px system-ui";
    // signals
    if (R.traces) R.traces.forEach((tr) => {
      const i = rowOfChannel(tr.label); if (i < 0) return;
      const top = L.rowTop(i), mid = top + L.rowH / 2, pxPerUv = (L.rowH / 2) / R.gain[tr.label];
      g.save(); g.beginPath(); g.rect(L.x0, top, L.x1 - L.x0, L.rowH); g.clip();
      g.strokeStyle = "#0b1a2a"; g.lineWidth = 1; g.beginPath();
      if (tr.kind === "raw") {
        tr.y.forEach((y, k) => { const x = L.X(tr.t0 + k * tr.dt), yy = mid - y * pxPerUv; k ? g.lineTo(x, yy) : g.moveTo(x, yy); });
      } else {
        tr.min.forEach((lo, k) => { const x = L.X(tr.t0 + (k + 0.5) * tr.dt); g.moveTo(x, mid - tr.max[k] * pxPerUv); g.lineTo(x, mid - lo * pxPerUv + 0.5); });
      }
      g.stroke(); g.restore();
    });
    if (!R.night.channels.length) { g.fillStyle = "#b71c1c"; g.fillText("no recording: events only (start with --input RECORDING)", L.x0 + 8, LANE_H + 14); }
    // a movement being drawn
    if (R.drag && R.drag.mode === "add") {
      const i = rowOfChannel(R.drag.channel), a = Math.min(R.drag.t0, R.drag.t1), b = Math.max(R.drag.t0, R.drag.t1);
      g.fillStyle = "rgba(0,150,136,.3)"; g.fillRect(L.X(a), L.rowTop(i), L.X(b) - L.X(a), L.rowH);
    }
  }
  function box(g, L, a, b, top, h, fill, line, dashed, thick) {
    const xa = Math.max(L.x0, L.X(a)), xb = Math.min(L.x1, L.X(b));
    if (xb < L.x0 || xa > L.x1) return null;
    g.fillStyle = fill; g.fillRect(xa, top, Math.max(1, xb - xa), h);
    g.strokeStyle = line; g.lineWidth = thick ? 2.5 : 1; g.setLineDash(dashed ? [4, 3] : []);
    g.strokeRect(xa, top + 0.5, Math.max(1, xb - xa), h - 1); g.setLineDash([]);
    return [xa, xb];
  }
  function drawFixed(g, L) {
    R.night.fixed_events.forEach((ev, idx) => {
      const a = ev.onset_s, b = a + ev.duration_s;
      if (b < R.view.start || a > R.view.start + R.view.len) return;
      const sel = R.selected && R.selected.type === "fixed" && R.selected.i === idx;
      for (const label of channelsOf(ev)) {
        const i = rowOfChannel(label); if (i < 0) continue;
        const top = L.rowTop(i);
        if (ev.trial_type === "unscorable") {
          const xs = box(g, L, a, b, top, L.rowH, COLORS.uns, COLORS.unsLine, false, sel);
          if (xs) { g.fillStyle = COLORS.unsLine; g.fillText(`unscorable: ${ev.reason || ""}`, xs[0] + 3, top + 12); }
        } else if (ev.trial_type === "rswa_mini_epoch") {
          const y = top + L.rowH - 4;
          [["phasic", 0], ["tonic", 1], ["any", 2]].forEach(([k, j]) => {
            if (!ev[k]) return;
            g.fillStyle = COLORS[k]; g.fillRect(L.X(a) + 1, y - j * 4, L.X(b) - L.X(a) - 2, 3);
          });
          if (sel) box(g, L, a, b, top, L.rowH, "rgba(0,0,0,0)", "#000", false, true);
        } else if (ev.trial_type === "rswa_epoch" && ev.chin_tonic) {
          g.fillStyle = COLORS.tonic; g.fillText("tonic epoch (RSWA)", Math.max(L.x0, L.X(a)) + 3, top + 24);
        }
      }
    });
  }
  function drawEditable(g, L) {
    for (const ev of R.events) {
      const a = ev.onset_s, b = a + ev.duration_s;
      if (b < R.view.start || a > R.view.start + R.view.len) continue;
      const sel = R.selected && R.selected.type === "edit" && R.selected.id === ev.id;
      const live = sel && R.drag && R.drag.mode === "edge" ? R.drag : null;
      const aa = live ? live.onset : a, bb = live ? live.offset : b;
      for (const label of channelsOf(ev)) {
        const i = rowOfChannel(label); if (i < 0) continue;
        const top = L.rowTop(i) + 2, h = L.rowH - 4;
        if (ev.trial_type === "leg_movement") {
          const lm = R.lmById.get(ev.lm_id), cls = lmClass(lm);
          const xs = box(g, L, aa, bb, top, h, COLORS[cls], COLORS[cls + "Line"], cls === "notcounted", sel);
          if (!xs) continue;
          g.font = "bold 11px system-ui"; g.fillStyle = COLORS[cls + "Line"];
          const marks = (lm && lm.respiratory_related ? "R" : "") + (lm && lm.arousal_associated ? "A" : "");
          if (marks) g.fillText(marks, xs[0] + 2, top + 11);
          g.font = "11px system-ui";
        } else {
          const xs = box(g, L, aa, bb, top, h, COLORS.motor, COLORS.motorLine, false, sel);
          if (xs) { g.fillStyle = COLORS.motorLine; g.fillText(ev.trial_type.replace(/_/g, " "), xs[0] + 2, top + h - 4); }
        }
      }
    }
  }
  function drawLane(g, L) {
    g.fillStyle = "#f5f5f5"; g.fillRect(L.x0, 0, L.x1 - L.x0, LANE_H - 2);
    g.fillStyle = "#263238"; g.font = "11px system-ui"; g.fillText("leg movements", 4, 18);
    const lms = R.lms || [];
    lms.forEach((lm, k) => {
      const a = lm.onset_s, b = a + lm.duration_s, cls = lmClass(lm);
      if (b >= R.view.start && a <= R.view.start + R.view.len) {
        const xs = box(g, L, a, b, 3, 14, COLORS[cls], COLORS[cls + "Line"], false, R.selected && R.selected.type === "lm" && R.selected.lm_id === lm.lm_id);
        if (xs && lm.in_series) { g.fillStyle = COLORS.plmLine; g.font = "10px system-ui"; g.fillText(`S${lm.series_id}`, xs[0] + 1, 26); }
      }
      // interval from the previous movement, written between the two onsets
      if (k > 0 && lm.imi_s !== undefined) {
        const prev = lms[k - 1].onset_s, mid = (prev + a) / 2;
        if (mid >= R.view.start && mid <= R.view.start + R.view.len) {
          const x = L.X(mid); g.fillStyle = "#455a64"; g.font = "10px system-ui";
          g.strokeStyle = "#b0bec5"; g.beginPath(); g.moveTo(Math.max(L.x0, L.X(prev)), 10); g.lineTo(Math.min(L.x1, L.X(a)), 10); g.stroke();
          g.fillText(`${lm.imi_s.toFixed(1)} s`, x - 14, 27);
        }
      }
    });
  }

  // -- hit testing and mouse --------------------------------------------------------------
  function pointer(e) {
    const r = cv.getBoundingClientRect(), L = layout();
    const x = e.clientX - r.left, y = e.clientY - r.top;
    const row = y >= LANE_H ? Math.floor((y - LANE_H) / L.rowH) : -1;
    return { x, y, t: L.T(x), row, channel: row >= 0 && row < R.shown.length ? R.shown[row] : null, L };
  }
  function hit(p) {
    if (p.row < 0 && p.y < LANE_H) {
      const lm = (R.lms || []).find((m) => p.t >= m.onset_s - 0.05 && p.t <= m.onset_s + m.duration_s + 0.05);
      return lm ? { type: "lm", lm_id: lm.lm_id, t: lm.onset_s, item: lm } : null;
    }
    if (!p.channel) return null;
    const slack = p.L ? (R.view.len / (p.L.x1 - p.L.x0)) * 3 : 0;
    const ev = [...R.events].reverse().find((ev) => channelsOf(ev).includes(p.channel) &&
      p.t >= ev.onset_s - slack && p.t <= ev.onset_s + ev.duration_s + slack);
    if (ev) return { type: "edit", id: ev.id, t: ev.onset_s, item: ev };
    const i = R.night.fixed_events.findIndex((f) => channelsOf(f).includes(p.channel) && f.trial_type !== "rswa_epoch" &&
      p.t >= f.onset_s && p.t <= f.onset_s + f.duration_s);
    return i >= 0 ? { type: "fixed", i, t: R.night.fixed_events[i].onset_s, item: R.night.fixed_events[i] } : null;
  }
  function selectedEvent() { return R.selected && R.selected.type === "edit" ? R.events.find((e) => e.id === R.selected.id) : null; }
  function nearEdge(p) {
    const ev = selectedEvent(); if (!ev || !channelsOf(ev).includes(p.channel)) return null;
    if (Math.abs(p.L.X(ev.onset_s) - p.x) <= EDGE_PX) return "onset";
    if (Math.abs(p.L.X(ev.onset_s + ev.duration_s) - p.x) <= EDGE_PX) return "offset";
    return null;
  }
  cv.addEventListener("mousedown", (e) => {
    cv.focus();
    const p = pointer(e); if (p.x < LABEL_W) return;
    const edge = nearEdge(p);
    if (edge) {
      const ev = selectedEvent();
      R.drag = { mode: "edge", edge, id: ev.id, onset: ev.onset_s, offset: ev.onset_s + ev.duration_s };
      return;
    }
    const h = hit(p), onLeg = p.channel && R.night.leg_channels[p.channel] !== undefined;
    if (h && (h.type !== "fixed" || !onLeg)) { R.selected = h; renderSelection(); drawTraces(); return; }
    // on a leg channel a drag adds a movement, also across an RSWA mini-epoch or unscorable
    // stretch; a click there selects that stretch
    R.selected = null; renderSelection();
    if (onLeg) R.drag = { mode: "add", channel: p.channel, t0: p.t, t1: p.t, click: h };
    drawTraces();
  });
  window.addEventListener("mousemove", (e) => {
    const p = pointer(e);
    if (R.drag) {
      if (R.drag.mode === "add") R.drag.t1 = p.t;
      else if (R.drag.edge === "onset") R.drag.onset = Math.min(p.t, R.drag.offset - 0.05);
      else R.drag.offset = Math.max(p.t, R.drag.onset + 0.05);
      drawTraces(); return;
    }
    if (e.target !== cv) { $("tooltip").hidden = true; return; }
    cv.style.cursor = nearEdge(p) ? "ew-resize" : (p.channel && R.night.leg_channels[p.channel] !== undefined ? "crosshair" : "default");
    const h = hit(p), tip = $("tooltip");
    if (!h) { tip.hidden = true; return; }
    tip.textContent = describe(h).map(([k, v]) => `${k}: ${v}`).join("\n");
    tip.style.left = (e.clientX + 14) + "px"; tip.style.top = (e.clientY + 10) + "px"; tip.hidden = false;
  });
  window.addEventListener("mouseup", async () => {
    const d = R.drag; R.drag = null; if (!d) return;
    if (d.mode === "add") {
      const a = Math.min(d.t0, d.t1), b = Math.max(d.t0, d.t1);
      if (b - a < 0.1) { if (d.click) { R.selected = d.click; renderSelection(); } drawTraces(); return; }
      await edit({ op: "add", onset_s: a, duration_s: b - a, channel: d.channel, trial_type: "leg_movement" });
      const ev = R.events.filter((x) => x.channel === d.channel && Math.abs(x.onset_s - a) < 0.01).pop();
      if (ev) { R.selected = { type: "edit", id: ev.id, t: ev.onset_s }; renderSelection(); drawTraces(); }
    } else {
      await edit({ op: "modify", id: d.id, onset_s: d.onset, duration_s: d.offset - d.onset });
    }
  });

  // -- edits --------------------------------------------------------------------------------
  async function edit(body) {
    try { const t0 = performance.now(); setState(await api("/api/edit", body));
      status(`${body.op}: indices recomputed in ${Math.round(performance.now() - t0)} ms`, "ok");
    } catch (err) { status(err.message, "error"); drawTraces(); }
  }
  async function undoRedo(which) {
    try { setState(await api(`/api/${which}`, {})); status(which + " done", "ok"); } catch (err) { status(err.message, "error"); }
  }
  async function save() {
    try {
      const doc = await api("/api/save", { scorer: $("scorer").value });
      setState(doc); status(`saved version ${doc.saved.version} (${doc.saved.path})`, "ok");
      $("title").textContent = `somnomotor review: ${R.night.folder}, version ${doc.saved.version}`;
    } catch (err) { status((err.status === 409 ? "not saved: " : "") + err.message, "error"); }
  }
  function deleteSelected() { const ev = selectedEvent(); if (ev) edit({ op: "delete", id: ev.id }); }
  function cycleKind() {
    const ev = selectedEvent(); if (!ev) return;
    const kinds = R.night.editable_kinds, next = kinds[(kinds.indexOf(ev.trial_type) + 1) % kinds.length];
    edit({ op: "modify", id: ev.id, trial_type: next });
  }
  $("undo").onclick = () => undoRedo("undo"); $("redo").onclick = () => undoRedo("redo"); $("save").onclick = save;
  $("help-button").onclick = () => { $("help").hidden = !$("help").hidden; };
  $("help").onclick = () => { $("help").hidden = true; };

  // -- side panel ---------------------------------------------------------------------------
  function fmt(v) { return typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : (v === true ? "yes" : v === false ? "no" : String(v)); }
  function describe(h) {
    const rows = [];
    if (h.type === "edit") {
      const ev = R.events.find((e) => e.id === h.id) || h.item;
      rows.push(["kind", ev.trial_type], ["channel", ev.channel], ["onset", `${ev.onset_s.toFixed(3)} s (${clock(ev.onset_s)})`],
        ["duration", `${ev.duration_s.toFixed(3)} s`]);
      if (ev.trial_type === "leg_movement") {
        rows.push(["leg", ev.side]);
        const lm = R.lmById.get(ev.lm_id);
        if (!lm) rows.push(["counted", "no (too short/long, or in an unscorable stretch)"]);
        else for (const k of ["lm_id", "leg", "candidate", "in_series", "series_id", "imi_s", "respiratory_related", "arousal_associated", "stage", "n_components", "short_imi", "isolated"])
          if (lm[k] !== undefined) rows.push([k === "leg" ? "combined leg" : k, fmt(lm[k])]);
      }
      for (const [k, v] of Object.entries(ev.fields || {})) rows.push([k, fmt(v)]);
    } else {
      const it = h.item;
      for (const [k, v] of Object.entries(it)) rows.push([k.replace(/_s$/, " (s)"), fmt(v)]);
    }
    return rows;
  }
  function renderSelection() {
    const body = $("selection-body");
    if (!R.selected) { body.textContent = "Nothing selected. Click an event; drag on a leg channel to add a movement."; return; }
    const h = R.selected.type === "edit" ? { ...R.selected, item: R.events.find((e) => e.id === R.selected.id) }
      : R.selected.type === "lm" ? { ...R.selected, item: R.lmById.get(R.selected.lm_id) }
      : { ...R.selected, item: R.night.fixed_events[R.selected.i] };
    if (!h.item) { body.textContent = "Nothing selected."; return; }
    const table = document.createElement("table");
    for (const [k, v] of describe(h)) { const tr = table.insertRow(); tr.insertCell().textContent = k; tr.insertCell().textContent = v; }
    body.replaceChildren(table);
    if (h.type === "edit") {
      const kind = document.createElement("select"); kind.id = "kind-select";
      for (const k of R.night.editable_kinds) { const o = new Option(k.replace(/_/g, " "), k); o.selected = k === h.item.trial_type; kind.add(o); }
      kind.onchange = () => edit({ op: "modify", id: h.item.id, trial_type: kind.value });
      const del = document.createElement("button"); del.textContent = "Delete"; del.onclick = deleteSelected;
      const p = document.createElement("p"); p.append("Kind ", kind, " ", del); body.append(p);
    }
  }
  const HEADLINE = ["plms_index", "plmw_index", "plms_nr_index", "periodicity_index", "clms_index", "lm_index",
    "plms_arousal_index", "clmr_index", "plms_count", "lm_count", "short_imi_index", "isolated_index", "ln_imi_mean"];
  function renderIndices() {
    const table = $("index-table"); table.replaceChildren();
    const hdr = table.insertRow(); ["index", "now", "before", ""].forEach((t) => { const c = hdr.insertCell(); c.textContent = t; c.style.fontWeight = "600"; });
    const byName = new Map(R.state.indices.map((ix) => [ix.name, ix]));
    const names = [...HEADLINE.filter((n) => byName.has(n)), ...R.state.indices.map((ix) => ix.name).filter((n) => !HEADLINE.includes(n))];
    for (const name of names) {
      const ix = byName.get(name), tr = table.insertRow(); tr.id = "ix-" + name; tr.title = ix.description || "";
      const same = ix.value === ix.automatic || (ix.value !== null && ix.automatic !== null && Math.abs(ix.value - ix.automatic) < 5e-4);
      if (!same) tr.className = "changed";
      tr.insertCell().textContent = name;
      tr.insertCell().textContent = ix.value === null ? "n/a" : ix.value.toFixed(2);
      tr.insertCell().textContent = ix.automatic === null || ix.automatic === undefined ? "n/a" : ix.automatic.toFixed(2);
      tr.insertCell().textContent = ix.unit;
    }
    const other = $("other-index-table"); other.replaceChildren();
    for (const ix of R.night.other_indices) {
      const tr = other.insertRow(); tr.title = ix.description || "";
      tr.insertCell().textContent = ix.name;
      tr.insertCell().textContent = ix.value === null ? "n/a" : Number(ix.value).toFixed(2);
      tr.insertCell().textContent = ix.unit || "";
    }
    $("warnings").textContent = [...R.night.warnings, ...R.state.warnings].join(" | ");
  }
  function renderChannels() {
    const list = $("channel-list"); list.replaceChildren();
    for (const ch of R.night.channels) {
      const lab = document.createElement("label");
      const box = document.createElement("input"); box.type = "checkbox"; box.checked = R.shown.includes(ch.label);
      box.onchange = () => { R.shown = R.night.channels.map((c) => c.label).filter((l) => l === ch.label ? box.checked : R.shown.includes(l)); R.cache.clear(); loadTraces(); drawTraces(); };
      const gain = document.createElement("select"); gain.dataset.channel = ch.label;
      for (const gv of GAINS) { const o = new Option(`${gv} µV/div`, gv); o.selected = gv === R.gain[ch.label]; gain.add(o); }
      gain.onchange = () => { R.gain[ch.label] = Number(gain.value); drawTraces(); };
      lab.append(box, ` ${ch.label} (${ch.role || "?"}, ${ch.fs_hz} Hz) `, gain); list.append(lab);
    }
  }
  function stepGain(dir) {
    for (const l of Object.keys(R.gain)) { const i = GAINS.indexOf(R.gain[l]); R.gain[l] = GAINS[Math.max(0, Math.min(GAINS.length - 1, i - dir))]; }
    renderChannels(); drawTraces();
  }

  // -- keyboard -----------------------------------------------------------------------------
  function setLen(len) { R.view.len = len; $("window-length").value = String(len); R.cache.clear(); goTo(Math.floor(R.view.start / len) * len); }
  function parseTime(text) {
    text = text.trim(); if (!text) return null;
    if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
    const m = text.match(/^(\d{1,2}):(\d{2})(?::(\d{2}))?$/); if (!m || !R.night.start) return null;
    const st = new Date(R.night.start + "Z"), day = Date.UTC(st.getUTCFullYear(), st.getUTCMonth(), st.getUTCDate());
    let t = (day + ((+m[1]) * 3600 + (+m[2]) * 60 + (+(m[3] || 0))) * 1000 - st.getTime()) / 1000;
    if (t < 0) t += 86400;
    return t;
  }
  $("goto").addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    const t = parseTime(e.target.value);
    if (t === null) { status("go to: give seconds from the start or a clock time hh:mm:ss", "error"); return; }
    goTo(Math.floor(t / R.view.len) * R.view.len); cv.focus();
  });
  $("window-length").onchange = (e) => setLen(Number(e.target.value));
  $("filter").onchange = (e) => { R.view.filter = e.target.checked; loadTraces(); };
  $("scorer").onchange = () => api("/api/scorer", { scorer: $("scorer").value }).catch((err) => status(err.message, "error"));
  document.addEventListener("keydown", (e) => {
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
    const ctrl = e.ctrlKey || e.metaKey, k = e.key;
    if (ctrl && (k === "z" || k === "Z")) { e.preventDefault(); undoRedo(e.shiftKey ? "redo" : "undo"); return; }
    if (ctrl && (k === "y" || k === "Y")) { e.preventDefault(); undoRedo("redo"); return; }
    if (ctrl && (k === "s" || k === "S")) { e.preventDefault(); save(); return; }
    if (ctrl || e.altKey) return;
    const v = R.view;
    switch (k) {
      case "ArrowRight": case "PageDown": case " ": e.preventDefault(); goTo(v.start + v.len); break;
      case "ArrowLeft": case "PageUp": e.preventDefault(); goTo(v.start - v.len); break;
      case "Home": goTo(0); break;
      case "End": goTo(R.night.duration_s); break;
      case "n": jumpEvent(1); break;
      case "N": jumpEvent(-1); break;
      case "g": e.preventDefault(); $("goto").focus(); $("goto").select(); break;
      case "+": case "=": setLen(WINDOWS[Math.max(0, WINDOWS.indexOf(v.len) - 1)]); break;
      case "-": case "_": setLen(WINDOWS[Math.min(WINDOWS.length - 1, WINDOWS.indexOf(v.len) + 1)]); break;
      case "ArrowUp": e.preventDefault(); stepGain(1); break;
      case "ArrowDown": e.preventDefault(); stepGain(-1); break;
      case "f": $("filter").checked = !$("filter").checked; R.view.filter = $("filter").checked; loadTraces(); break;
      case "Delete": case "Backspace": e.preventDefault(); deleteSelected(); break;
      case "k": cycleKind(); break;
      case "?": $("help").hidden = !$("help").hidden; break;
      case "Escape": $("help").hidden = true; R.selected = null; renderSelection(); drawTraces(); break;
      default: return;
    }
  });
  window.addEventListener("beforeunload", (e) => {
    // unsaved changes stay in the session edit log, but the scorer should know
    if (R.state && R.state.pending_edits > 0) { e.preventDefault(); e.returnValue = ""; }
  });
  window.addEventListener("resize", () => { R.cache.clear(); drawHypnogram(); loadTraces(); drawTraces(); });

  // -- start --------------------------------------------------------------------------------
  async function start() {
    try {
      R.night = await api("/api/night");
      $("title").textContent = `somnomotor review: ${R.night.folder}` + (R.night.version ? `, version ${R.night.version}` : ", automatic scoring");
      const prefer = ["leg_left", "leg_right", "leg", "chin", "arm_left", "arm_right", "eeg", "eog", "ecg", "masseter"];
      const rank = (c) => { const i = prefer.indexOf(c.role); return i < 0 ? 99 : i; };
      R.night.channels.sort((a, b) => rank(a) - rank(b));
      R.shown = R.night.channels.filter((c) => rank(c) < 99).slice(0, 8).map((c) => c.label);
      if (!R.shown.length) R.shown = R.night.channels.slice(0, 8).map((c) => c.label);
      if (!R.night.channels.length) R.shown = Object.keys(R.night.leg_channels);
      for (const ch of R.night.channels) R.gain[ch.label] = DEFAULT_GAIN[ch.kind] || 100;
      for (const l of R.shown) if (!R.gain[l]) R.gain[l] = 50;
      const nav = $("nav-kind");
      [["lm:plm", "PLM"], ["lm:all", "leg movement"], ["lm:nonplm", "leg movement not in a series"],
       ["lm:notcounted", "leg movement not counted"], ["lm:resp", "respiratory-related LM"],
       ["lm:arousal", "arousal-associated LM"], ["fixed:unscorable", "unscorable stretch"],
       ["fixed:phasic", "RSWA phasic mini-epoch"], ["fixed:tonic", "RSWA tonic epoch"],
       ...R.night.editable_kinds.slice(1).map((k) => [k, k.replace(/_/g, " ")])].forEach(([v, t]) => nav.add(new Option(t, v)));
      renderChannels();
      setState(await api("/api/session", { scorer: $("scorer").value }));
      if (R.state.scorer) $("scorer").value = R.state.scorer;
      goTo(0);
      cv.focus();
      document.body.dataset.ready = "1";
    } catch (err) { status(err.message, "error"); }
  }
  start();
})();
