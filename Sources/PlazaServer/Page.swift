/// The page at `GET /`, served from the binary: plain HTML, CSS and JavaScript, no libraries,
/// nothing fetched from elsewhere, so it works offline. The script is in `Page+Script.swift` and
/// `Page+Charts.swift`.
enum Page {
    /// `GET /`: the document; the URL's `sql`, `chart` and `lang` parameters are read by the script.
    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Plaza</title>
        <link rel="stylesheet" href="/assets/plaza.css">
        </head>
        <body>
        <header>
          <h1>Plaza</h1>
          <span class="subtitle" data-i18n="subtitle">Open data: ask, chart, share</span>
          <nav class="languages">
            <button type="button" id="lang-en" lang="en">English</button>
            <button type="button" id="lang-es" lang="es">Español</button>
          </nav>
        </header>
        <main>
          <aside id="catalog">
            <h2 data-i18n="tables">Tables</h2>
            <div id="tables"><p class="muted" data-i18n="loading">Loading…</p></div>
          </aside>
          <section id="work">
            <label for="sql" class="visually-hidden" data-i18n="query">Query</label>
            <div class="editor">
              <pre id="gutter" aria-hidden="true">1</pre>
              <textarea id="sql" spellcheck="false" autocapitalize="off" autocomplete="off" rows="6"></textarea>
            </div>
            <div class="actions">
              <button type="button" id="run" class="primary" data-i18n="run">Run</button>
              <span class="hint" data-i18n="hint">Ctrl-Enter runs the query</span>
              <a id="download-csv" href="#" data-i18n="csv">Download CSV</a>
              <a id="download-parquet" href="#" data-i18n="parquet">Parquet</a>
              <a id="download-xlsx" href="#" data-i18n="xlsx">Excel</a>
              <a id="download-arrow" href="#" data-i18n="arrow">Arrow</a>
              <button type="button" id="share" data-i18n="share">Copy link</button>
              <span id="status" role="status"></span>
            </div>
            <div id="error" hidden>
              <p id="error-message"></p>
              <pre id="error-line"></pre>
              <pre id="error-caret"></pre>
            </div>
            <div id="chart-box" hidden>
              <div class="chart-controls">
                <label for="chart-kind" data-i18n="chart">Chart</label>
                <select id="chart-kind">
                  <option value="auto" data-i18n="auto">Automatic</option>
                  <option value="bar" data-i18n="bar">Bars</option>
                  <option value="line" data-i18n="line">Lines</option>
                  <option value="points" data-i18n="points">Points</option>
                  <option value="histogram" data-i18n="histogram">Histogram</option>
                  <option value="none" data-i18n="none">No chart</option>
                </select>
                <span id="chart-note" class="muted"></span>
              </div>
              <div id="chart"></div>
              <div id="tooltip" hidden></div>
            </div>
            <div id="result"></div>
          </section>
        </main>
        <script src="/assets/plaza.js"></script>
        </body>
        </html>
        """#

    /// `GET /assets/plaza.css`: readable on a phone (one column below 760 px).
    static let css = #"""
        :root { --ink: #1d2733; --muted: #5d6b7a; --line: #d8dee6; --accent: #0b6bcb; --bad: #b3261e; --paper: #ffffff; --soft: #f4f6f9; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--soft); }
        header { display: flex; flex-wrap: wrap; align-items: baseline; gap: .5rem 1rem; padding: .75rem 1rem; background: var(--paper); border-bottom: 1px solid var(--line); }
        header h1 { margin: 0; font-size: 1.35rem; }
        .subtitle { color: var(--muted); }
        .languages { margin-left: auto; display: flex; gap: .25rem; }
        .languages button[aria-pressed="true"] { background: var(--ink); color: #fff; }
        main { display: grid; grid-template-columns: minmax(14rem, 20rem) 1fr; gap: 1rem; padding: 1rem; }
        aside, #work { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: .75rem; min-width: 0; }
        aside h2 { margin: 0 0 .5rem; font-size: 1rem; }
        .table-entry { border-top: 1px solid var(--line); padding: .4rem 0; }
        .table-entry button.table-name { font-weight: 600; color: var(--accent); background: none; border: 0; padding: 0; cursor: pointer; font-size: 1rem; }
        .table-meta, .muted { color: var(--muted); font-size: .85rem; }
        .table-entry details summary { cursor: pointer; font-size: .85rem; color: var(--muted); }
        .table-entry ul { margin: .25rem 0; padding-left: 1.1rem; font-size: .85rem; }
        .sample { overflow-x: auto; }
        .editor { display: flex; border: 1px solid var(--line); border-radius: 6px; overflow: hidden; font: 14px/1.5 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
        #gutter { margin: 0; padding: .5rem .4rem; min-width: 2.5rem; text-align: right; color: var(--muted); background: var(--soft); border-right: 1px solid var(--line); user-select: none; overflow: hidden; font: inherit; }
        #gutter .bad { color: #fff; background: var(--bad); border-radius: 3px; padding: 0 .2rem; }
        #sql { flex: 1; border: 0; padding: .5rem; resize: vertical; min-height: 7.5em; font: inherit; outline: none; white-space: pre; overflow-x: auto; }
        .actions { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem .9rem; margin: .6rem 0; }
        button { font: inherit; padding: .35rem .8rem; border: 1px solid var(--line); border-radius: 6px; background: var(--paper); cursor: pointer; }
        button.primary { background: var(--accent); border-color: var(--accent); color: #fff; font-weight: 600; }
        .hint { color: var(--muted); font-size: .85rem; }
        a { color: var(--accent); }
        #error { border: 1px solid var(--bad); border-left-width: 4px; border-radius: 6px; padding: .5rem .75rem; margin: .5rem 0; background: #fdf2f1; }
        #error p { margin: 0 0 .4rem; color: var(--bad); font-weight: 600; white-space: pre-wrap; }
        #error pre { margin: 0; font: 14px/1.4 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; overflow-x: auto; }
        #error-caret { color: var(--bad); font-weight: 700; }
        #chart-box { position: relative; margin: .75rem 0; }
        .chart-controls { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
        #chart svg { width: 100%; max-width: 760px; height: auto; display: block; margin-top: .5rem; }
        #chart .bar, #chart .point, #chart .bin { fill: var(--accent); }
        #chart .bar:hover, #chart .point:hover, #chart .bin:hover { fill: #e0851b; }
        #chart .series { fill: none; stroke-width: 2; }
        #chart text { font-size: 11px; fill: var(--muted); }
        #chart .axis { stroke: var(--line); }
        #tooltip { position: absolute; pointer-events: none; background: var(--ink); color: #fff; padding: .25rem .5rem; border-radius: 4px; font-size: .85rem; white-space: pre; z-index: 2; }
        #result { overflow-x: auto; }
        table { border-collapse: collapse; font-size: .9rem; }
        th, td { border-bottom: 1px solid var(--line); padding: .3rem .6rem; text-align: left; white-space: nowrap; }
        th .type { display: block; font-weight: 400; font-size: .75rem; color: var(--muted); }
        td.number { text-align: right; font-variant-numeric: tabular-nums; }
        td.null { color: var(--muted); font-style: italic; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
        @media (max-width: 760px) {
          main { grid-template-columns: 1fr; padding: .5rem; gap: .5rem; }
          aside { order: 2; }
          .hint { display: none; }
        }
        """#

    /// `GET /assets/plaza.js`: the application, then the charts.
    static let script = application + charts
}
