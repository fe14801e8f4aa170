/**
 * The Kafka view's own style rules. They build on styles.css (its colours,
 * cards, tiles, tables, pills and buttons) and travel with the Kafka view's
 * lazily loaded code, so the live view's first load does not carry them.
 * Installed once, as a constructed stylesheet (after styles.css in the cascade).
 */

const css = String.raw`
.kafka-bar { grid-column: 1 / -1; padding: 12px 16px; }
.kafka-bar-row { display: flex; align-items: center; flex-wrap: wrap; gap: 8px 14px; min-height: 30px; font-size: 12.5px; }
.kafka-bar-row .pill { margin-left: auto; }
.knav a { padding: 4px 12px; border-radius: 7px; color: var(--muted); font-size: 13px; white-space: nowrap; text-decoration: none; }
.knav a:hover { color: var(--text); }
.knav a[aria-current='page'] { color: #0b1020; background: var(--cyan); font-weight: 600; }
.kcrumbs { display: inline-flex; align-items: baseline; gap: 6px; min-width: 0; max-width: 46ch; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; color: var(--faint); font-size: 13px; }
.kcrumbs a { color: var(--muted); text-decoration: none; }
.kcrumbs a:hover { color: var(--text); text-decoration: underline; }
.kcrumbs strong { overflow: hidden; text-overflow: ellipsis; color: var(--text); font-family: var(--mono); font-weight: 600; }
#kafka-status[data-level='error'] { color: var(--red); }
.layout--kafka[data-state='loading'] > .card:not(.kafka-bar), .layout--kafka[data-state='loading'] > .tiles { opacity: 0.6; transition: opacity 0.2s; }
.layout--kafka[data-state='off'] .kafka-bar .pill { display: none; }
.pill[data-state='off'] { --tone: var(--slate); }

.card-k-brokers { grid-column: span 5; }
.card-k-records { grid-column: span 7; }
.card-k-topics, .card-k-groups { grid-column: 1 / -1; }
.card-k-partitions { grid-column: span 7; }
.card-k-config { grid-column: span 5; }
.card-k-messages { grid-column: span 8; }
.card-k-produce { grid-column: span 4; align-self: start; }
.card-k-lagchart { grid-column: span 7; }
.card-k-members { grid-column: span 5; }
.card-k-lag { grid-column: span 7; }
.card-k-reset { grid-column: span 5; }
.card-k-brokers .table-scroll, .card-k-config .table-scroll, .card-k-members .table-scroll { max-height: 300px; }
.card-k-partitions .table-scroll, .card-k-lag .table-scroll { max-height: 420px; }
.chart-box--krecords { height: 280px; }
.chart-box--klag { height: 240px; }
.tile[data-level='bad'] .tile-value { color: var(--red); }

.kbar-tools { display: flex; align-items: center; gap: 12px; margin-left: auto; }
.card-head .kbar-tools + .card-hint { min-width: 9ch; text-align: right; }
.ksearch { width: 240px; }
.kbar-tools input.ksearch { flex: 0 1 240px; }
.klink { color: var(--text); text-decoration: none; font-family: var(--mono); }
.klink:hover { color: var(--cyan); text-decoration: underline; }
.layout--kafka .cell-bar { background: linear-gradient(90deg, var(--bar, var(--indigo)) calc(var(--share, 0) * 100%), rgba(148, 163, 184, 0.1) 0); }
.layout--kafka .data-table td { overflow: hidden; text-overflow: ellipsis; }
.layout--kafka .data-table .lag-badge { padding: 1px 8px; }

.ktable-scroll { max-height: 520px; }
.ktable tbody tr { height: 34px; }
.ktable tbody tr.ktable-pad, .ktable tbody tr.ktable-pad:hover { background: none; }
.ktable tbody tr.ktable-pad td { padding: 0; border: 0; }
.ktable-empty td { color: var(--muted); text-align: center; }
.ktable-sort { padding: 0; border: 0; background: none; color: inherit; font: inherit; cursor: pointer; }
.ktable-sort:hover { color: var(--text); }
th[aria-sort] .ktable-sort { color: var(--text); }
th[aria-sort='ascending'] .ktable-sort::after { content: ' ↑'; }
th[aria-sort='descending'] .ktable-sort::after { content: ' ↓'; }
.ktopics { overflow: hidden; text-overflow: ellipsis; }
.ktopics .klink { font-size: 12px; }
tr.is-under-replicated td { background: rgba(248, 113, 113, 0.07); }
tr.is-under-replicated td:first-child { box-shadow: inset 3px 0 0 var(--red); }
.card-hint[data-level='bad'] { color: var(--red); }

.kreplicas { display: inline-flex; gap: 4px; margin-right: 6px; }
.kreplica { min-width: 20px; padding: 0 5px; border-radius: 5px; background: rgba(148, 163, 184, 0.12); font-family: var(--mono); font-size: 11.5px; text-align: center; }
.kreplica.is-missing { background: rgba(248, 113, 113, 0.18); color: #fecaca; text-decoration: line-through; }

.kbrowse { display: flex; flex-direction: column; gap: 8px; }
.kbrowse-row { display: flex; align-items: center; flex-wrap: wrap; gap: 8px; }
.kbrowse-row .ksearch { flex: 1 1 120px; width: auto; min-width: 0; }
.kfield-input { padding: 5px 8px; border: 1px solid var(--border-strong); border-radius: 8px; background: var(--card-2); font-size: 13px; color-scheme: dark; }
textarea.kfield-input { width: 100%; resize: vertical; font-family: var(--mono); font-size: 12.5px; }
.knum { width: 120px; font-variant-numeric: tabular-nums; }
.kbtn-live { display: inline-flex; align-items: center; gap: 7px; background: var(--card-2); }
.kbtn-live .dot { width: 8px; height: 8px; border-radius: 50%; background: var(--slate); }
.kbtn-live[aria-pressed='true'] { border-color: color-mix(in srgb, var(--green) 55%, transparent); background: color-mix(in srgb, var(--green) 14%, transparent); }
.kbtn-live[aria-pressed='true'] .dot { background: var(--green); animation: beat 1.6s ease-out infinite; }
.kbrowse-status { min-height: 18px; margin: 10px 0 8px; color: var(--muted); font-size: 12.5px; font-variant-numeric: tabular-nums; }
.kbrowse-status[data-level='error'] { color: var(--red); }
.kbrowse-status[data-level='live'] { color: var(--green); }
.card-k-messages[aria-busy='true'] .kmsgs { opacity: 0.6; }
.kmsgs { display: flex; flex-direction: column; gap: 8px; max-height: 760px; margin: 0 -6px; padding: 0 6px; overflow-y: auto; list-style: none; scrollbar-width: thin; scrollbar-color: rgba(148, 163, 184, 0.25) transparent; }
.kmsg { display: grid; grid-template-columns: minmax(150px, 210px) minmax(0, 1fr); grid-template-rows: auto 1fr; align-items: start; gap: 4px 14px; padding: 8px 10px; border: 1px solid var(--border); border-radius: 10px; background: var(--card-2); }
.kmsg.is-new { animation: arrive 1.4s ease-out; }
.kmsg-meta { display: flex; flex-direction: column; gap: 2px; color: var(--muted); font-size: 12px; font-variant-numeric: tabular-nums; }
.kmsg-pos b { color: var(--text); font-weight: 600; }
.kmsg-meta time { color: var(--text); }
.kmsg-size { color: var(--faint); }
.kmsg-fields { display: flex; flex-direction: column; gap: 3px; grid-column: 1; min-width: 0; font-size: 12px; }
.kmsg-field { display: flex; align-items: baseline; flex-wrap: wrap; gap: 3px 6px; min-width: 0; }
.kmsg-label { color: var(--faint); font-size: 11px; text-transform: uppercase; letter-spacing: 0.05em; }
.kmsg-key { max-width: 100%; overflow-wrap: anywhere; color: var(--cyan); font-family: var(--mono); }
.kmsg-null { color: var(--faint); font-style: italic; }
.kchip { padding: 0 6px; border-radius: 5px; background: rgba(129, 140, 248, 0.14); font-family: var(--mono); font-size: 11.5px; overflow-wrap: anywhere; }
.kmsg-value { grid-column: 2; grid-row: 1 / span 2; max-height: 220px; margin: 0; padding: 8px 10px; overflow: auto; border-radius: 8px; background: rgba(2, 6, 23, 0.5); font-family: var(--mono); font-size: 12px; line-height: 1.45; white-space: pre-wrap; overflow-wrap: anywhere; }
.kmsg-value.is-text { color: var(--text); }
.kj-key { color: #a5b4fc; }
.kj-string { color: #86efac; }
.kj-number { color: #fcd34d; }
.kj-literal { color: var(--cyan); }
.kmsg-tomb { grid-column: 2; grid-row: 1 / span 2; margin: 0; color: var(--amber); font-size: 12px; font-style: italic; }
.kbrowse-foot { display: flex; justify-content: center; align-items: center; gap: 12px; min-height: 30px; margin-top: 10px; font-size: 12.5px; }

.kform { display: flex; flex-direction: column; gap: 10px; }
.kform-row { display: flex; align-items: center; flex-wrap: wrap; gap: 8px 12px; }
.kform-row--top { align-items: flex-start; }
.kform-label { width: 52px; color: var(--muted); font-size: 12.5px; }
.kfield { display: flex; flex-direction: column; gap: 4px; color: var(--muted); font-size: 12px; }
.kfield--grow { flex: 1 1 140px; }
.kfield--grow .kfield-input { width: 100%; }
.kchecks { display: flex; flex-direction: column; gap: 4px; min-width: 0; }
.kchecks .toggle { color: var(--text); font-family: var(--mono); font-size: 12px; }
.kform-result { min-height: 18px; margin: 0; font-size: 12.5px; overflow-wrap: anywhere; }
.kform-result[data-level='error'] { color: var(--red); }
.kform-result[data-level='ok'] { color: var(--green); }
.kform-result[data-level='busy'] { color: var(--muted); }
.kform-warn { margin: 0; padding: 8px 10px; border: 1px solid color-mix(in srgb, var(--amber) 45%, transparent); border-radius: 8px; background: color-mix(in srgb, var(--amber) 10%, transparent); color: #fde68a; font-size: 12.5px; }
.card-k-reset .table-scroll { margin-top: 12px; max-height: 220px; }
.btn:disabled { opacity: 0.55; cursor: default; }

.kdialog { width: min(540px, calc(100vw - 32px)); padding: 0; border: 1px solid var(--border-strong); border-radius: var(--radius); background: var(--card); color: var(--text); box-shadow: 0 24px 64px rgba(0, 0, 0, 0.5); }
.kdialog::backdrop { background: rgba(2, 6, 23, 0.65); backdrop-filter: blur(2px); }
.kdialog-form { display: flex; flex-direction: column; gap: 12px; padding: 18px 20px; }
.kdialog-form h2 { font-size: 15px; overflow-wrap: anywhere; }
.kdialog-lines { display: flex; flex-direction: column; gap: 6px; margin: 0; padding-left: 18px; color: var(--text); font-size: 13px; }
.kdialog-note { margin: 0; color: var(--muted); font-size: 12px; }
.kdialog-actions { display: flex; justify-content: flex-end; gap: 8px; }

@media (max-width: 1180px) {
  .card-k-brokers, .card-k-records, .card-k-partitions, .card-k-config, .card-k-messages, .card-k-produce,
  .card-k-lagchart, .card-k-members, .card-k-lag, .card-k-reset { grid-column: 1 / -1; }
}
@media (max-width: 720px) {
  .kmsg { grid-template-columns: minmax(0, 1fr); }
  .kmsg-fields, .kmsg-value, .kmsg-tomb { grid-column: 1; grid-row: auto; }
  .kbar-tools { margin-left: 0; flex-wrap: wrap; }
  .ksearch { width: 100%; }
}
`;

let installed = false;

export function installKafkaStyles(): void {
  if (installed) return;
  installed = true;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}
