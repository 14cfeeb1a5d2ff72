/**
 * The pages' one stylesheet, served as a file (`/ui/assets/style-<hash>.css`) so the
 * Content-Security-Policy can forbid inline styles. Positions on the timeline cannot be inline
 * `style="left: 37%"` under that policy, so they are classes: `.at-N` (left) and `.len-N`
 * (width) in steps of half a percent, generated below.
 */
import { createHash } from 'node:crypto';

/** Steps per 100 %: positions are rounded to 0.5 %. */
export const STEPS = 200;

const positions = Array.from({ length: STEPS + 1 }, (_, i) => {
  const pct = (i * 100) / STEPS;
  return `.at-${i}{left:${pct}%}.len-${i}{width:${pct}%}`;
}).join('\n');

const CSS = `
:root{--bg:#f4f6f9;--card:#fff;--ink:#1c2430;--muted:#5d6b7e;--line:#dde3ea;--accent:#2f5fd0;
--fail:#c62828;--fail-bg:#fdecea;--ok:#2e7d32;--ok-bg:#e8f5e9;--warn:#b26a00;--warn-bg:#fff4e0;
--run:#1565c0;--run-bg:#e3f0fd;--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
*{box-sizing:border-box}
html{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:var(--ink);background:var(--bg)}
body{margin:0}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
code,.mono{font-family:var(--mono);font-size:.9em}
header.top{display:flex;align-items:center;gap:1.5rem;padding:.7rem 1.5rem;background:#17202b;color:#e8edf3}
header.top .brand{font-weight:700;letter-spacing:.02em;color:#fff}
header.top nav{flex:1}header.top nav a{color:#c8d3e0;margin-right:1rem}
header.top form{margin:0}
header.top button{background:transparent;color:#c8d3e0;border:1px solid #3a4858;border-radius:4px;padding:.25rem .7rem;cursor:pointer;font:inherit}
main{max-width:1280px;margin:0 auto;padding:1.25rem 1.5rem 3rem}
h1{font-size:1.45rem;margin:.2rem 0 .3rem;word-break:break-all}
h2{font-size:1.05rem;margin:1.6rem 0 .6rem;color:var(--muted);text-transform:uppercase;letter-spacing:.05em}
.crumbs{color:var(--muted);font-size:.9rem}
.meta{color:var(--muted);font-size:.9rem;display:flex;flex-wrap:wrap;gap:.3rem 1.2rem;margin:.3rem 0 0}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:1rem 1.2rem}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:999px;font-size:.78rem;font-weight:600;letter-spacing:.03em;vertical-align:middle;white-space:nowrap}
.s-failure,.s-timeout{background:var(--fail-bg);color:var(--fail)}
.s-success{background:var(--ok-bg);color:var(--ok)}
.s-cancelled,.s-unknown{background:var(--warn-bg);color:var(--warn)}
.s-running{background:var(--run-bg);color:var(--run)}
.diagnosis{border-left:5px solid var(--fail);background:var(--card);border-radius:8px;padding:1rem 1.2rem;margin:1rem 0;box-shadow:0 1px 2px rgba(0,0,0,.04)}
.diagnosis.fine{border-left-color:var(--ok)}
.diagnosis .label{font-size:.75rem;text-transform:uppercase;letter-spacing:.08em;color:var(--muted);font-weight:700}
.diagnosis .headline{font-size:1.2rem;font-weight:600;margin:.2rem 0 .5rem;overflow-wrap:anywhere}
.diagnosis ol{margin:.4rem 0 0;padding-left:1.3rem;color:#2c3a4b}
.diagnosis li{margin:.15rem 0}
.diagnosis .why{color:var(--muted);font-size:.85rem}
/* the timeline */
.timeline{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.8rem 1.2rem 1rem}
.axis,.lane{display:grid;grid-template-columns:260px 1fr;gap:1rem;align-items:center}
.axis .scale{position:relative;height:1.4rem;border-bottom:1px solid var(--line);font-size:.75rem;color:var(--muted)}
.axis .tick{position:absolute;top:0;transform:translateX(-50%);white-space:nowrap}
.axis .tick.first{transform:none}.axis .tick.last{transform:translateX(-100%)}
.lane{padding:.55rem 0;border-bottom:1px solid #eef1f5}
.lane:last-child{border-bottom:0}
.lane .who{min-width:0}
.lane .who .name{font-weight:600;overflow-wrap:anywhere}
.lane .who .name a{color:inherit}
.lane .who .sub{color:var(--muted);font-size:.8rem;overflow-wrap:anywhere}
.steps{margin:.25rem 0 0;padding:0;list-style:none;font-size:.8rem}
.steps li{display:inline-block;margin:.1rem .3rem .1rem 0;padding:.05rem .45rem;border-radius:4px;background:#eef1f5;font-family:var(--mono)}
.steps li.stopped{background:var(--warn-bg);color:var(--warn)}
.steps li.bad{background:var(--fail-bg);color:var(--fail);font-weight:600}
.track{position:relative;height:2.6rem;background:repeating-linear-gradient(90deg,transparent 0,transparent calc(25% - 1px),#eef1f5 calc(25% - 1px),#eef1f5 25%)}
.bar{position:absolute;top:1.05rem;height:.5rem;border-radius:3px;background:#b7c6d8;min-width:3px}
.bar.s-failure,.bar.s-timeout{background:#ef9a9a}.bar.s-success{background:#a5d6a7}.bar.s-running{background:#90caf9}.bar.s-cancelled,.bar.s-unknown{background:#ffcc80}
.mark{position:absolute;top:.95rem;width:.7rem;height:.7rem;margin-left:-.35rem;border-radius:50%;background:#7b8ba0;border:2px solid #fff;box-shadow:0 0 0 1px #7b8ba0}
.mark.warning{top:.7rem;width:1.2rem;height:1.2rem;margin-left:-.6rem;border-radius:2px;transform:rotate(45deg);background:var(--fail);box-shadow:0 0 0 1px var(--fail)}
.mark.term{top:.6rem;width:.25rem;height:1.4rem;margin-left:-.125rem;border:0;border-radius:1px;background:var(--fail);box-shadow:none}
.band{position:absolute;top:1.2rem;height:.2rem;background:#9aa8b8;border-radius:2px}
.band.warning{background:#e57373}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
tr:target td{background:#fff3c4}
.mark-label{position:absolute;top:1.95rem;font-size:.72rem;color:var(--fail);font-weight:600;white-space:nowrap;transform:translateX(-50%)}
.mark-label.right{transform:translateX(-100%)}.mark-label.left{transform:none}
.legend{margin-top:.6rem;font-size:.8rem;color:var(--muted);display:flex;gap:1.2rem;flex-wrap:wrap}
.legend i{display:inline-block;width:.6rem;height:.6rem;border-radius:50%;background:#7b8ba0;margin-right:.3rem;vertical-align:middle}
.legend i.w{background:var(--fail);border-radius:1px;transform:rotate(45deg)}
.legend i.t{background:var(--fail);width:.2rem;height:.8rem;border-radius:1px}
/* tables */
table{width:100%;border-collapse:collapse;background:var(--card);border:1px solid var(--line);border-radius:8px;overflow:hidden;font-size:.88rem}
th,td{text-align:left;padding:.45rem .7rem;border-bottom:1px solid #eef1f5;vertical-align:top}
th{background:#f8fafc;color:var(--muted);font-weight:600;font-size:.78rem;text-transform:uppercase;letter-spacing:.04em}
tr.warning td{background:#fff8f7}
tr.warning td.reason{color:var(--fail);font-weight:600}
td.when,td.count{white-space:nowrap;font-family:var(--mono);font-size:.82rem;color:var(--muted)}
td.note{overflow-wrap:anywhere;max-width:36rem}
details summary{cursor:pointer;color:#2c3a4b}
details[open] summary{color:var(--muted)}
details .full{white-space:pre-wrap;font-family:var(--mono);font-size:.8rem;margin:.35rem 0 0;padding:.5rem;background:#f6f8fa;border-radius:4px}
tr.failed td:first-child{box-shadow:inset 4px 0 0 var(--fail)}
td .why{color:var(--muted);font-size:.82rem;overflow-wrap:anywhere}
/* forms */
form.filters{display:flex;flex-wrap:wrap;gap:.6rem;align-items:flex-end;margin:0 0 1rem}
label{display:flex;flex-direction:column;font-size:.78rem;color:var(--muted);gap:.2rem}
input,select{font:inherit;padding:.35rem .5rem;border:1px solid #c5cfdb;border-radius:5px;background:#fff;color:var(--ink)}
button.primary{font:inherit;padding:.4rem 1rem;border:0;border-radius:5px;background:var(--accent);color:#fff;cursor:pointer}
.signin{max-width:28rem;margin:3rem auto}
.signin form{display:flex;flex-direction:column;gap:.8rem}
.error{background:var(--fail-bg);color:var(--fail);border-radius:6px;padding:.6rem .8rem}
.muted{color:var(--muted)}
.pager{display:flex;justify-content:space-between;margin-top:.8rem}
.empty{padding:1.5rem;text-align:center;color:var(--muted)}
/* webhook subscriptions */
.subscription{margin:0 0 1.2rem}
.sub-title{font-size:1.1rem;margin:0 0 .6rem;color:var(--ink);text-transform:none;letter-spacing:0;overflow-wrap:anywhere;word-break:break-all}
h1.sub-title{font-size:1.45rem}
dl.facts{display:grid;grid-template-columns:8rem 1fr;gap:.25rem 1rem;margin:0 0 .8rem;font-size:.9rem}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;overflow-wrap:anywhere}
code.filter{white-space:pre-wrap;overflow-wrap:anywhere}
table.deliveries code{font-size:.8rem;overflow-wrap:anywhere}
table.deliveries td.change{min-width:19rem}
table.deliveries td.status{max-width:22rem;white-space:normal}
tr.delivery.failed td:first-child{box-shadow:inset 4px 0 0 var(--fail)}
ol.attempts{margin:.3rem 0 0;padding-left:1.2rem;font-size:.8rem;color:var(--muted)}
form.inline{display:inline;margin:0}
button.small{font:inherit;font-size:.8rem;padding:.2rem .6rem;border:1px solid #c5cfdb;border-radius:4px;background:#fff;color:var(--accent);cursor:pointer}
button.danger{font:inherit;padding:.4rem 1rem;border:0;border-radius:5px;background:var(--fail);color:#fff;cursor:pointer}
.danger-zone{display:flex;flex-wrap:wrap;gap:1rem;align-items:center}
label.check{flex-direction:row;align-items:center;gap:.4rem;font-size:.9rem;color:var(--ink)}
.notice{background:var(--ok-bg);color:var(--ok);border-radius:6px;padding:.6rem .8rem}
p.more{margin:.6rem 0 0;font-size:.9rem}
form.stacked{display:flex;flex-direction:column;gap:.8rem;max-width:48rem}
textarea{font:inherit;font-family:var(--mono);font-size:.85rem;padding:.35rem .5rem;border:1px solid #c5cfdb;border-radius:5px;resize:vertical}
fieldset{border:1px solid var(--line);border-radius:5px;display:flex;gap:1.2rem;padding:.4rem .8rem}
legend{font-size:.78rem;color:var(--muted)}
form.stacked button{align-self:flex-start}
code.secret{display:inline-block;padding:.4rem .6rem;background:#f6f8fa;border-radius:4px;user-select:all;overflow-wrap:anywhere}
.secret-once{border-left:5px solid var(--warn);margin:0 0 1rem}
.actions{margin:.4rem 0 1rem}
a.button-link{display:inline-block;padding:.4rem 1rem;border-radius:5px;background:var(--accent);color:#fff}
@media (max-width:800px){.axis,.lane{grid-template-columns:1fr}.axis .who{display:none}}
`;

export const STYLESHEET = `${CSS.trim()}\n${positions}\n`;

/** Content-addressed: a new stylesheet gets a new URL, so it may be cached for good. */
export const STYLESHEET_PATH = `/ui/assets/style-${createHash('sha256').update(STYLESHEET).digest('hex').slice(0, 12)}.css`;

/** A fraction 0..1 → the nearest `.at-N` / `.len-N` step. */
export function step(fraction: number): number {
  if (!Number.isFinite(fraction)) return 0;
  return Math.round(Math.min(1, Math.max(0, fraction)) * STEPS);
}
