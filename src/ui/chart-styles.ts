// The timeline chart's part of the stylesheet (src/ui/script/chart.ts). --lane-label and the 8px insets match
// CHART_LABEL_PX and CHART_INSET_PX there. Outcomes differ by more than hue: running is striped, timed out striped
// red, waiting to retry an outline, and the legend and each bar's label say it in words.
export const CHART_STYLES = `
.chart-toolbar{display:flex;flex-wrap:wrap;gap:.5rem 1.2rem;align-items:center;margin:0 0 .5rem}
.chart-zoom{display:flex;gap:.3rem;align-items:center}
.zoom-level{min-width:4.5rem;color:var(--muted);font-size:12px}
.legend{display:flex;flex-wrap:wrap;gap:.25rem .9rem;list-style:none;margin:0;padding:0;font-size:12px;color:var(--muted)}
.legend li{display:flex;align-items:center;gap:.35rem}
.swatch{display:inline-block;width:18px;height:10px;border-radius:2px}
.swatch-mark{display:inline-block;width:9px;height:9px;margin:0 2px;transform:rotate(45deg)}
.tick-swatch{width:3px;height:14px;border-radius:0;background:var(--bad)}.tick-swatch.t-cancel{background:#b86e00}
.chart{--lane-label:260px;background:#fff;border:1px solid var(--line);border-radius:6px;overflow:hidden}
.chart-scroll{overflow:auto;max-height:70vh;position:relative}
.chart-canvas{position:relative;min-width:100%}
.chart-grid{position:absolute;top:0;bottom:0;left:calc(var(--lane-label) + 8px);right:8px;pointer-events:none}
.grid-line{position:absolute;top:0;bottom:0;border-left:1px solid #e9ecf1}
.grid-line.now-line{border-left:2px dashed #2f6fd6}
.chart-row{display:flex;min-height:38px;border-top:1px solid #eef0f4;position:relative}
.chart-row.chart-axis{position:sticky;top:0;z-index:3;min-height:26px;border-top:0;border-bottom:1px solid var(--line);background:#fff}
.chart-axis .lane-track{overflow:hidden}
.lane-label{position:sticky;left:0;z-index:2;flex:0 0 var(--lane-label);width:var(--lane-label);background:#fff;border-right:1px solid var(--line);padding:.2rem .6rem;line-height:1.3;min-width:0}
.lane-name{display:block;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;font-size:12.5px;line-height:16px;font-weight:600}
a.lane-name{font-weight:600}
.lane-kind{float:right;margin-left:.4rem;font-size:10px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);line-height:16px}
.lane-status{display:block;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;color:var(--muted);font-size:11.5px}
.chart-axis .lane-status{line-height:1.6}
.chart-row.selected .lane-label{box-shadow:inset 3px 0 0 var(--accent)}
.lane-run .lane-label,.lane-messages .lane-label{background:#f8f9fb}
.lane-track{position:relative;flex:1 1 auto}
.lane-inner{position:absolute;left:8px;right:8px;top:0;bottom:0}
.tick-label{position:absolute;top:5px;transform:translateX(-50%);white-space:nowrap;font:11px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;color:var(--muted)}
.tick-label.first{transform:none}.tick-label.last{transform:translateX(-100%)}
.bar{position:absolute;top:11px;height:16px;min-width:5px;padding:0;border:0;border-radius:3px;cursor:pointer;overflow:visible}
.bar:hover{filter:brightness(1.12)}
.bar[aria-expanded=true]{outline:2px solid var(--fg);outline-offset:2px}
.bar:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
.o-completed{background:#2e9d5a}
.o-failed{background:#cf3b2f}
.o-timedOut{background:repeating-linear-gradient(135deg,#8f1d14 0 4px,#cf3b2f 4px 8px)}
.o-canceled{background:#e0a230}
.o-running{background:repeating-linear-gradient(135deg,#2f6fd6 0 6px,#6b98e8 6px 12px)}
.o-backoff{background:#e6eefb;box-shadow:inset 0 0 0 1.5px #2f6fd6}
.o-unclosed{background:#a4acb9}
.segment{position:absolute;top:0;bottom:0;border-radius:3px;pointer-events:none}
.seg-backoff{background:#e6eefb;box-shadow:inset 0 0 0 1.5px #2f6fd6}
.bar-tick{position:absolute;top:-4px;bottom:-4px;width:3px;margin-left:-1.5px;background:var(--bad);border:1px solid #fff;box-sizing:content-box;pointer-events:none}
.bar-tick.t-cancel{background:#b86e00}
.mark{position:absolute;top:13px;width:12px;height:12px;margin-left:-6px;padding:0;border:1px solid #fff;border-radius:1px;cursor:pointer;transform:rotate(45deg)}
.mark:hover{transform:rotate(45deg) scale(1.3)}
.mark[aria-expanded=true]{outline:2px solid var(--fg);outline-offset:1px}
.m-signal{background:#6b3fb8}.m-update{background:#0f7c8c}.m-cancel{background:#e0a230}.m-taskFailure{background:#cf3b2f}
.m-marker{background:#6b7382;border-radius:50%}.m-external{background:#fff;box-shadow:inset 0 0 0 2px #6b3fb8}
.chart-details{margin-top:.6rem;background:#fff;border:1px solid var(--line);border-radius:6px;padding:.7rem}
.chart-details .hint{margin:0}
.details-head{display:flex;justify-content:space-between;align-items:center;gap:1rem}
.details-head h4{margin:0}
.chart-details th:not(:last-child),.chart-details td:not(:last-child){width:1%;white-space:nowrap}
.lane-summary{margin:.3rem 0 .6rem}
.pending-attempts{margin:0 0 .6rem}
.attempt-list{margin:.4rem 0 0;padding-left:1.4rem}
`;
