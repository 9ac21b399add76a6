// GET /: the operator's status page. Plain HTML and one small inline script, no build step and no
// external assets (the node may have no internet). It reads /status, /peers and /logs, then listens
// to /events and re-reads them (debounced) when something happens, so it updates live.
// A bearer token, when the API needs one, is taken from the URL fragment (#token=...): fragments are
// never sent to the server or logged, and fetch() can carry the Authorization header that the
// browser's EventSource cannot, so the event stream is read with fetch as well. The page itself (this
// constant: no data, no secret) is served without the token, because a browser navigation cannot send
// the header; every request of its script for data needs it. Without it the page says how to open it.

export const STATUS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>agentnet node</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#222;background:#fafafa}
h1{font-size:1.3rem;margin:0 0 .3rem} h2{font-size:1.05rem;margin:1.2rem 0 .4rem}
table{border-collapse:collapse;background:#fff} th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left}
th{background:#f0f0f0} td.n{text-align:right;font-variant-numeric:tabular-nums} code{font-size:12px}
.up{color:#1a7f37;font-weight:600} .down{color:#c62828;font-weight:600} .live-online{color:#1a7f37} .live-left,.live-unreachable{color:#c62828} .grid{display:flex;gap:2rem;flex-wrap:wrap}
#events{max-height:14rem;overflow:auto;background:#fff;border:1px solid #ddd;padding:.3rem;font:12px monospace;margin:0}
</style></head><body>
<h1>agentnet node <code id="agent">…</code></h1>
<div>network <b id="network">…</b> · broker <code id="broker">…</code> <span id="link">…</span> · reconnects <span id="reconnects">0</span> · stream <span id="stream">connecting</span></div>
<div class="grid">
<div><h2>Verification</h2><table id="verified"><thead><tr><th>tier</th><th>count</th></tr></thead><tbody></tbody></table></div>
<div><h2>Rejections</h2><table id="rejected"><thead><tr><th>reason</th><th>count</th></tr></thead><tbody></tbody></table></div>
<div><h2>Topics followed</h2><ul id="topics"></ul></div>
<div><h2>Ledger</h2>balance <b id="balance">…</b> milli-credits</div>
</div>
<h2>Own declarations</h2>
<table id="declarations"><thead><tr><th>kind</th><th>topic</th><th>tags</th><th>text</th><th>price</th></tr></thead><tbody></tbody></table>
<h2>Tasks</h2>
<table id="tasks"><thead><tr><th>role</th><th>state</th><th>topic</th><th>text</th><th>price</th><th>outcome</th><th>adapter</th></tr></thead><tbody></tbody></table>
<h2>Trust per topic</h2>
<table id="trust"><thead><tr><th>topic</th><th>agent</th><th>trust</th><th>receipts</th></tr></thead><tbody></tbody></table>
<h2>Peers (<span id="peer-count">0</span>)</h2>
<table id="peers"><thead><tr><th>agent</th><th>operator</th><th>tier</th><th>last seen</th></tr></thead><tbody></tbody></table>
<h2>Log heads</h2>
<table id="logs"><thead><tr><th>author</th><th>topic</th><th>epoch</th><th>seq</th></tr></thead><tbody></tbody></table>
<h2>Events</h2><pre id="events"></pre>
<script>
"use strict";
const token = new URLSearchParams(location.hash.slice(1)).get("token");
const headers = token ? { authorization: "Bearer " + token } : {};
const $ = (id) => document.getElementById(id);
const short = (h) => h ? h.slice(0, 12) + "…" : "";
function rows(id, data, cells, key) {
  const tb = $(id).querySelector("tbody");
  tb.replaceChildren(...data.map((d) => {
    const tr = document.createElement("tr");
    if (key) tr.dataset.key = key(d);
    for (const [text, cls] of cells(d)) { const td = document.createElement("td"); td.textContent = String(text); if (cls) td.className = cls; tr.append(td); }
    return tr;
  }));
}
// "last seen" is liveness: online (its latest birth), left (its death, e.g. the broker's Will), unreachable (the
// transport's hint), else the age of its last message.
function seen(p) {
  const l = p.liveness || { state: "unknown" };
  if (l.state === "online") return "online" + (l.since ? " (up " + ago(l.since).replace(" ago", "") + ")" : "");
  if (l.state === "left") return "left " + ago(l.since);
  if (l.state === "unreachable") return "unreachable";
  return "no birth seen; last message " + ago(p.lastSeen);
}
function ago(ms) { if (ms === null) return "not since start"; const s = Math.max(0, Math.round((Date.now() - ms) / 1000)); return s < 120 ? s + " s ago" : Math.round(s / 60) + " min ago"; }
const NEEDS_TOKEN = "this node's API needs its token: open " + location.origin + "/#token=TOKEN";
async function get(path) { const r = await fetch(path, { headers }); if (r.status === 401) throw new Error(NEEDS_TOKEN); if (!r.ok) throw new Error(path + ": " + r.status); return r.json(); }
async function refresh() {
  const [st, peers, logs] = await Promise.all([get("/status"), get("/peers"), get("/logs")]);
  $("agent").textContent = st.agent; $("network").textContent = st.network ?? "";
  $("broker").textContent = st.link.broker; $("link").textContent = st.link.state; $("link").className = st.link.state;
  $("reconnects").textContent = st.link.reconnects;
  rows("verified", Object.entries(st.verified), ([k, v]) => [[k], [v, "n"]]);
  rows("rejected", Object.entries(st.rejected).length ? Object.entries(st.rejected) : [["none", 0]], ([k, v]) => [[k], [v, "n"]]);
  $("topics").replaceChildren(...st.followed.map((t) => { const li = document.createElement("li"); li.textContent = t; return li; }));
  $("peer-count").textContent = peers.peers.length;
  rows("peers", peers.peers, (p) => [[short(p.agent)], [short(p.operator)], ["T" + p.tier + (p.quarantined ? " quarantined" : ""), "n"], [seen(p), "live-" + (p.liveness ? p.liveness.state : "unknown")]], (p) => p.agent);
  rows("logs", logs.logs, (l) => [[short(l.author)], [l.topic], [l.epoch, "n"], [l.seq, "n"]], (l) => l.author + "/" + l.topic);
  const [decl, tasks, ledger] = await Promise.all([get("/declarations"), get("/tasks?view=compact"), get("/ledger")]);
  $("balance").textContent = ledger.balance;
  rows("declarations", decl.declarations, (d) => [[d.kind], [d.topic], [(d.tags || []).join(", ")], [d.text], [d.price ?? "", "n"]], (d) => d.id);
  rows("tasks", tasks.tasks, (t) => [[t.role], [t.state], [t.topic], [t.text], [t.price ?? "", "n"], [t.outcome ?? "", "n"],
    [t.adapter ? t.adapter.adapter + " " + t.adapter.state + (t.adapter.failure ? " (" + t.adapter.failure + ")" : "") : ""]], (t) => t.id + t.role);
  const trust = await Promise.all(st.followed.map((t) => get("/trust?topic=" + encodeURIComponent(t))));
  rows("trust", trust.flatMap((tr) => (tr.entries || []).map((e) => ({ topic: tr.topic, ...e }))),
    (e) => [[e.topic], [short(e.agent)], [Number(e.trust).toFixed(3), "n"], [e.receipts, "n"]], (e) => e.topic + e.agent);
}
let pending = null;
function soon() { if (!pending) pending = setTimeout(() => { pending = null; refresh().catch(show); }, 250); }
function show(e) { $("stream").textContent = String(e.message || e); }
function logEvent(type, data) {
  const pre = $("events"); pre.textContent = new Date().toISOString().slice(11, 19) + " " + type + " " + data + "\\n" + pre.textContent.slice(0, 20000);
}
async function stream() {
  // SSE over fetch (see the header comment): parse "event:" / "data:" lines, blank line ends an event.
  for (;;) {
    try {
      const r = await fetch("/events", { headers });
      if (!r.ok) throw new Error(r.status === 401 ? NEEDS_TOKEN : "events: " + r.status);
      $("stream").textContent = "live";
      const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = "", type = "message", data = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i;
        while ((i = buf.indexOf("\\n")) >= 0) {
          const line = buf.slice(0, i); buf = buf.slice(i + 1);
          if (line === "") { if (data) { logEvent(type, data); soon(); } type = "message"; data = ""; }
          else if (line.startsWith("event: ")) type = line.slice(7);
          else if (line.startsWith("data: ")) data += line.slice(6);
        }
      }
    } catch (e) { show(e); if (String(e.message) === NEEDS_TOKEN) return; }
    $("stream").textContent = "reconnecting";
    await new Promise((r) => setTimeout(r, 2000));
  }
}
refresh().catch(show);
setInterval(() => refresh().catch(show), 5000); // "last seen" ages even when nothing happens
stream();
</script></body></html>
`;
