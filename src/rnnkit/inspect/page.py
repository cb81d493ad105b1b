"""One self-contained HTML page of an inspection: the data inline as JSON, a little plain JavaScript, no
network and no server. The tokens are coloured by the picked unit of the picked quantity (or by their
contribution to a classifier's prediction); hovering a token shows its values in the panel below.

The data `write_page` inlines: {"title", "feature": name or null, "correlated": [{"panel", "unit", "r"}],
"texts": [{"text", "tokens", "prediction", "notes": {name: [per token]}, "contributions": [...] or null,
"feature": [...] or null, "panels": {quantity: [[value per unit] per token]}}]}, NaN and infinities as null.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

from ..atomic import write_text

DIGITS = 6
"""Decimals kept in the page's numbers (the page shows 4)."""


def _clean(value):
    if isinstance(value, float):
        return round(value, DIGITS) if math.isfinite(value) else None  # NaN (padding) and infinities: null
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return _clean(value.tolist())
    return value


def write_page(path: Path, data: dict) -> Path:
    """The page at `path`, its data inline (a `</script>` inside a token cannot end the script)."""
    payload = json.dumps(_clean(data), ensure_ascii=False, allow_nan=False).replace("</", "<\\/")
    return write_text(path, TEMPLATE.replace("__TITLE__", _escape(data.get("title", "rnnkit inspect")))
                      .replace("__DATA__", payload))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>__TITLE__</title>
<style>
body { font-family: sans-serif; margin: 1.2em; max-width: 70em; color: #222; }
.controls label { margin-right: 1em; }
#tokens { font-family: monospace; font-size: 15px; margin: 1em 0; display: flex; flex-wrap: wrap; gap: 3px; }
#tokens span { padding: 2px 3px; border-radius: 3px; cursor: default; white-space: pre; }
#tokens span.hovered { outline: 2px solid #000; }
#info { font-family: monospace; background: #f4f4f4; padding: .6em; min-height: 5em; white-space: pre; }
#correlated { font-size: 90%; }
.legend { font-size: 85%; color: #555; }
</style></head>
<body>
<h2 id="title"></h2>
<div class="controls">
  <label>text <select id="text"></select></label>
  <label>colour by <select id="panel"></select></label>
  <label>unit <select id="unit"></select></label>
</div>
<p class="legend" id="legend"></p>
<div id="prediction"></div>
<div id="tokens"></div>
<div id="info">hover a token</div>
<div id="correlated"></div>
<script>
const DATA = __DATA__;
const CONTRIB = "contribution to the prediction";
const $ = (id) => document.getElementById(id);
let current = null;
function fmt(v) { return v === null || v === undefined ? "-" : v.toFixed(4); }
function option(select, value, text) { const o = document.createElement("option"); o.value = value; o.textContent = text; select.appendChild(o); }
function text() { return DATA.texts[+$("text").value]; }
function colour(v, lo, hi) {
  if (v === null) return "#ddd";
  if (lo >= 0) { const a = (v - lo) / ((hi - lo) || 1); return `rgba(255,140,0,${a.toFixed(3)})`; }
  const m = Math.max(Math.abs(lo), Math.abs(hi)) || 1, a = Math.abs(v) / m;
  return v >= 0 ? `rgba(220,50,40,${a.toFixed(3)})` : `rgba(40,90,220,${a.toFixed(3)})`;
}
function series() {
  const t = text(), p = $("panel").value;
  if (p === CONTRIB) return t.contributions;
  return t.panels[p].map((row) => row[+$("unit").value]);
}
function fillUnits() {
  const t = text(), p = $("panel").value, unit = $("unit");
  const keep = unit.value;
  unit.innerHTML = "";
  if (p === CONTRIB) { option(unit, 0, "-"); unit.disabled = true; return; }
  unit.disabled = false;
  const count = t.panels[p][0].length;
  const ranked = {};
  DATA.correlated.filter((c) => c.panel === p).forEach((c) => { ranked[c.unit] = c.r; });
  for (let u = 0; u < count; u++) option(unit, u, u in ranked ? `${u} (r=${ranked[u].toFixed(2)})` : `${u}`);
  if (keep !== "" && +keep < count) unit.value = keep;
}
function draw() {
  const t = text(), values = series(), box = $("tokens");
  const real = values.filter((v) => v !== null);
  const lo = Math.min(0, ...real), hi = Math.max(0, ...real);
  const gate = $("panel").value.includes("gate") && lo >= 0 && hi <= 1;
  box.innerHTML = "";
  t.tokens.forEach((tok, i) => {
    const s = document.createElement("span");
    s.textContent = tok; s.dataset.index = i;
    s.style.background = colour(values[i], gate ? 0 : lo, gate ? 1 : hi);
    s.addEventListener("mouseenter", () => show(i, s));
    box.appendChild(s);
  });
  $("prediction").textContent = t.prediction ? "prediction: " + t.prediction : "";
  $("legend").textContent = $("panel").value === CONTRIB ? "red: toward the prediction, blue: against it"
      : (gate ? "gate value: 0 (white) to 1 (orange)" : "red: positive, blue: negative");
}
function show(i, span) {
  if (current) current.classList.remove("hovered");
  current = span; span.classList.add("hovered");
  const t = text(), p = $("panel").value, u = +$("unit").value;
  const lines = [`token ${i}: ${t.tokens[i]}`];
  if (p !== CONTRIB) {
    lines.push(`${p}, unit ${u}: ${fmt(t.panels[p][i][u])}`);
    lines.push(`all quantities of unit ${u}:`);
    for (const [name, rows] of Object.entries(t.panels)) if (rows[i].length > u) lines.push(`  ${name}: ${fmt(rows[i][u])}`);
  }
  if (t.contributions) lines.push(`contribution: ${fmt(t.contributions[i])}`);
  if (t.feature) lines.push(`feature ${DATA.feature}: ${fmt(t.feature[i])}`);
  for (const [name, per] of Object.entries(t.notes || {})) lines.push(`${name}: ${per[i]}`);
  $("info").textContent = lines.join("\\n");
  $("info").dataset.value = p === CONTRIB ? t.contributions[i] : t.panels[p][i][u];
}
function init() {
  $("title").textContent = DATA.title;
  DATA.texts.forEach((t, k) => option($("text"), k, `${k + 1}: ${t.text.slice(0, 40)}`));
  $("text").disabled = DATA.texts.length < 2;
  const first = DATA.texts[0];
  if (first.contributions) option($("panel"), CONTRIB, CONTRIB);
  Object.keys(first.panels).forEach((p) => option($("panel"), p, p));
  if (DATA.correlated.length) {
    const best = DATA.correlated[0];
    $("panel").value = best.panel;
    $("correlated").textContent = `units following the feature "${DATA.feature}" (Pearson r): ` +
      DATA.correlated.slice(0, 10).map((c) => `${c.panel} unit ${c.unit} (${c.r.toFixed(2)})`).join("; ");
  }
  fillUnits();
  if (DATA.correlated.length && $("panel").value === DATA.correlated[0].panel) $("unit").value = DATA.correlated[0].unit;
  $("text").addEventListener("change", () => { fillUnits(); draw(); });
  $("panel").addEventListener("change", () => { fillUnits(); draw(); });
  $("unit").addEventListener("change", draw);
  draw();
}
init();
</script>
</body></html>
"""
