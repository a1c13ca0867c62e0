// The web UI's stylesheet: system fonts, no external resources (the page's CSP allows only its own origin).
import { CHART_STYLES } from './chart-styles';

export const UI_STYLES = `
:root{--fg:#1d2330;--muted:#5b6475;--line:#d9dde5;--bg:#f6f7f9;--accent:#1f5fbf;--good:#17803d;--bad:#b42318;--warn:#a15c00}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}
code,pre,.etype,time,.num{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
header.top{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;padding:.6rem 1.2rem;background:#fff;border-bottom:1px solid var(--line)}
.brand{font-weight:700;font-size:18px;text-decoration:none;color:var(--fg)}
header nav ul{display:flex;gap:.8rem;list-style:none;margin:0;padding:0}
header nav a{text-decoration:none;padding:.25rem .5rem;border-radius:4px}
header nav a[aria-current=page]{background:var(--accent);color:#fff}
.token{margin-left:auto;display:flex;gap:.4rem;align-items:center;flex-wrap:wrap}
#token-state{color:var(--muted);font-size:12px}
main,#flash{max-width:80rem;margin:0 auto;padding:0 1.2rem}
main{padding-bottom:3rem}
h2{margin:1rem 0 .6rem;display:flex;gap:.5rem;align-items:center;flex-wrap:wrap}
h3{margin:1.4rem 0 .4rem;font-size:15px}
h4{margin:0 0 .4rem}
input,select,textarea,button,.button{font:inherit;padding:.3rem .5rem;border:1px solid var(--line);border-radius:4px;background:#fff;color:var(--fg)}
textarea{width:100%;font-family:ui-monospace,monospace;font-size:12.5px}
button,.button{background:var(--accent);border-color:var(--accent);color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary,.button.secondary{background:#fff;color:var(--accent)}
button.danger{background:var(--bad);border-color:var(--bad)}
button:disabled{opacity:.5;cursor:wait}
:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
.field{display:flex;justify-content:flex-end;flex-direction:column;gap:.15rem;font-size:12px;color:var(--muted)}
.field input,.field select,.field textarea{color:var(--fg);font-size:14px}
.filters{display:flex;flex-wrap:wrap;gap:.8rem;align-items:flex-end;background:#fff;border:1px solid var(--line);border-radius:6px;padding:.7rem}
.buttons{display:flex;gap:.4rem;align-items:center}
.counts ul{display:flex;flex-wrap:wrap;gap:.4rem;list-style:none;padding:0;margin:.8rem 0}
.count{display:inline-block;padding:.2rem .6rem;border:1px solid var(--line);border-radius:999px;background:#fff;text-decoration:none;color:var(--fg)}
.count.active{border-color:var(--accent);box-shadow:inset 0 0 0 1px var(--accent)}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line)}
caption{text-align:left;font-weight:600;padding:.3rem 0;color:var(--muted)}
/* inside a titled section the caption repeats the heading: kept for screen readers only */
section caption{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
th,td{text-align:left;padding:.35rem .6rem;border-top:1px solid var(--line);vertical-align:top}
th{background:#eef0f4;font-size:12px}
.num{text-align:right;white-space:nowrap}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:999px;font-size:12px;font-weight:600;background:#e7eaf0}
.s-running{background:#dbe8fb;color:#1a4b94}.s-completed{background:#dcf3e3;color:var(--good)}
.s-failed,.s-timedOut,.s-terminated{background:#fde3e1;color:var(--bad)}.s-canceled{background:#fff0d6;color:var(--warn)}
.summary{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;background:#fff;border:1px solid var(--line);border-radius:6px;padding:.7rem;margin:0}
.summary dt{color:var(--muted)}.summary dd{margin:0}
pre{margin:0;white-space:pre-wrap;word-break:break-word;background:#fff;border:1px solid var(--line);border-radius:4px;padding:.4rem .6rem}
.failure{border-left:3px solid var(--bad);padding-left:.6rem}
.actions{display:grid;grid-template-columns:repeat(auto-fill,minmax(16rem,1fr));gap:.8rem}
.action{background:#fff;border:1px solid var(--line);border-radius:6px;padding:.7rem;display:flex;flex-direction:column;gap:.4rem}
.action output pre{max-height:14rem;overflow:auto}
.flash{padding:.5rem .8rem;border-radius:4px;margin:.6rem 0}
.flash.ok{background:#dcf3e3}.flash.error,.error{background:#fde3e1;color:var(--bad)}
.warning{display:block;margin-top:.3rem;color:#7a4b00}.attempt-failures summary{cursor:pointer}.attempt-failures ol{margin:.3rem 0 0;padding-left:1.4rem}
.empty,.hint{color:var(--muted)}
tr.event.bad .etype{color:var(--bad)}tr.event.good .etype{color:var(--good)}tr.event.message .etype{color:#6b3fb8}tr.event.quiet{color:var(--muted)}
.took{color:var(--warn);font-weight:600}
details summary{cursor:pointer;color:var(--muted);font-size:12px}
.next-runs{margin:0;padding-left:1.2rem}
.pager{display:flex;gap:.5rem;margin:.8rem 0}
.log-box{max-height:24rem;overflow:auto;border:1px solid var(--line);border-radius:4px}
.log-box td{font-size:12px;vertical-align:top}.log-box td:first-child{white-space:nowrap;font-family:ui-monospace,monospace}
.log-level{font-weight:600;text-transform:uppercase;font-size:11px}
tr.log-warn .log-level{color:#7a4b00}tr.log-error .log-level{color:var(--bad)}tr.log-debug{color:var(--muted)}
` + CHART_STYLES;
