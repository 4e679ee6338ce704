extension Page {
    /// Labels in English and Spanish, the catalog, the editor, running a query, the result table
    /// and the URL that reproduces the view.
    static let application = #"""
        "use strict";
        // The Plaza page: catalog, SQL editor, result table, chart and shareable links. No libraries.
        const Plaza = {};

        Plaza.labels = {
          en: {
            subtitle: "Open data: ask, chart, share", tables: "Tables", loading: "Loading…", query: "Query", run: "Run",
            hint: "Ctrl-Enter runs the query", csv: "Download CSV", parquet: "Parquet", xlsx: "Excel",
            arrow: "Arrow", share: "Copy link", chart: "Chart",
            auto: "Automatic", bar: "Bars", line: "Lines", points: "Points", histogram: "Histogram", none: "No chart",
            rows: "rows", columns: "Columns", sample: "Sample rows", running: "Running…", copied: "Link copied",
            noTables: "No tables yet. Import a CSV with plaza import.", truncated: "first {n} rows shown",
            result: "{n} rows in {ms} ms", error: "Error", line: "line", column: "column", bytes: "on disk",
            imported: "imported", nulls: "nulls", distinct: "distinct", noChart: "No chart fits these columns.",
            firstBars: "first {n} categories", binned: "{n} values in {b} bins"
          },
          es: {
            subtitle: "Datos abiertos: pregunta, grafica, comparte", tables: "Tablas", loading: "Cargando…",
            query: "Consulta", run: "Ejecutar", hint: "Ctrl-Enter ejecuta la consulta", csv: "Descargar CSV",
            parquet: "Parquet", xlsx: "Excel", arrow: "Arrow",
            share: "Copiar enlace", chart: "Gráfica", auto: "Automática", bar: "Barras", line: "Líneas",
            points: "Puntos", histogram: "Histograma", none: "Sin gráfica", rows: "filas", columns: "Columnas",
            sample: "Filas de ejemplo", running: "Ejecutando…", copied: "Enlace copiado",
            noTables: "Aún no hay tablas. Importa un CSV con plaza import.", truncated: "se muestran las primeras {n} filas",
            result: "{n} filas en {ms} ms", error: "Error", line: "línea", column: "columna", bytes: "en disco",
            imported: "importada", nulls: "nulos", distinct: "distintos", noChart: "Ninguna gráfica encaja con estas columnas.",
            firstBars: "primeras {n} categorías", binned: "{n} valores en {b} intervalos"
          }
        };

        Plaza.state = { lang: "en", result: null, chart: "auto", tables: [] };

        Plaza.t = function (key, values) {
          let text = (Plaza.labels[Plaza.state.lang] || Plaza.labels.en)[key] || Plaza.labels.en[key] || key;
          for (const name in values || {}) text = text.replace("{" + name + "}", values[name]);
          return text;
        };

        Plaza.$ = (id) => document.getElementById(id);

        Plaza.element = function (tag, attributes, text) {
          const node = document.createElement(tag);
          for (const name in attributes || {}) node.setAttribute(name, attributes[name]);
          if (text !== undefined) node.textContent = text;
          return node;
        };

        Plaza.setLanguage = function (lang) {
          Plaza.state.lang = Plaza.labels[lang] ? lang : "en";
          document.documentElement.lang = Plaza.state.lang;
          for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = Plaza.t(node.dataset.i18n);
          Plaza.$("lang-en").setAttribute("aria-pressed", String(Plaza.state.lang === "en"));
          Plaza.$("lang-es").setAttribute("aria-pressed", String(Plaza.state.lang === "es"));
          Plaza.renderCatalog();
          if (Plaza.state.result) Plaza.showResult(Plaza.state.result);
          Plaza.updateLinks();
        };

        Plaza.formatBytes = function (bytes) {
          const units = ["B", "KB", "MB", "GB", "TB"];
          let value = bytes, unit = 0;
          while (value >= 1000 && unit < units.length - 1) { value /= 1000; unit += 1; }
          return (unit === 0 ? String(value) : value.toFixed(1)) + " " + units[unit];
        };

        Plaza.quote = (name) => '"' + name.replace(/"/g, '""') + '"';

        // The catalog: every table, its size and columns; a click on a name queries the table.
        Plaza.loadCatalog = async function () {
          try {
            const response = await fetch("/api/tables");
            const body = await response.json();
            Plaza.state.tables = body.tables || [];
          } catch (failure) {
            Plaza.state.tables = [];
          }
          Plaza.renderCatalog();
        };

        Plaza.renderCatalog = function () {
          const box = Plaza.$("tables");
          box.replaceChildren();
          if (Plaza.state.tables.length === 0) {
            box.append(Plaza.element("p", { class: "muted" }, Plaza.t("noTables")));
            return;
          }
          for (const table of Plaza.state.tables) {
            const entry = Plaza.element("div", { class: "table-entry", "data-table": table.name });
            const name = Plaza.element("button", { type: "button", class: "table-name" }, table.name);
            name.addEventListener("click", () => {
              Plaza.$("sql").value = "SELECT *\nFROM " + Plaza.quote(table.name) + "\nLIMIT 100";
              Plaza.updateGutter();
              Plaza.run();
            });
            const when = table.last_import ? new Date(table.last_import).toLocaleDateString(Plaza.state.lang) : "";
            const meta = Plaza.element("div", { class: "table-meta" },
              table.rows.toLocaleString(Plaza.state.lang) + " " + Plaza.t("rows") + " · " + Plaza.formatBytes(table.bytes) +
              " " + Plaza.t("bytes") + (when ? " · " + Plaza.t("imported") + " " + when : ""));
            const details = Plaza.element("details");
            details.append(Plaza.element("summary", {}, Plaza.t("columns") + " (" + table.columns.length + ")"));
            const list = Plaza.element("ul");
            for (const column of table.columns) {
              const item = Plaza.element("li", {}, column.name + " ");
              item.append(Plaza.element("span", { class: "muted" }, column.type));
              list.append(item);
            }
            details.append(list);
            details.addEventListener("toggle", () => { if (details.open) Plaza.loadDetails(table.name, details); });
            entry.append(name, meta, details);
            box.append(entry);
          }
        };

        // Statistics and a few rows of one table, fetched when its column list is opened.
        Plaza.loadDetails = async function (name, details) {
          if (details.dataset.loaded) return;
          details.dataset.loaded = "yes";
          const response = await fetch("/api/tables/" + encodeURIComponent(name));
          if (!response.ok) return;
          const body = await response.json();
          const items = details.querySelectorAll("li");
          body.statistics.forEach((column, index) => {
            if (!items[index]) return;
            let text = " · " + column.nulls + " " + Plaza.t("nulls") + " · " + column.distinct + " " + Plaza.t("distinct");
            if (column.min !== undefined && column.min !== null) text += " · " + column.min + " … " + column.max;
            items[index].append(Plaza.element("span", { class: "muted" }, text));
          });
          const sample = Plaza.element("div", { class: "sample" });
          sample.append(Plaza.element("div", { class: "muted" }, Plaza.t("sample")), Plaza.table(body.sample, 5));
          details.append(sample);
        };

        // The editor: line numbers beside the text, Ctrl-Enter (Cmd-Enter) runs.
        Plaza.updateGutter = function (badLine) {
          const lines = Plaza.$("sql").value.split("\n").length;
          const gutter = Plaza.$("gutter");
          gutter.replaceChildren();
          for (let line = 1; line <= lines; line += 1) {
            const number = Plaza.element("span", line === badLine ? { class: "bad" } : {}, String(line));
            gutter.append(number, "\n");
          }
          gutter.scrollTop = Plaza.$("sql").scrollTop;
        };

        Plaza.showError = function (error, sql) {
          const box = Plaza.$("error");
          box.hidden = false;
          const place = error.line ? " (" + Plaza.t("line") + " " + error.line + ", " + Plaza.t("column") + " " + error.column + ")" : "";
          Plaza.$("error-message").textContent = Plaza.t("error") + place + ": " + error.message.split("\n")[0];
          if (error.line) {
            const text = sql.split("\n")[error.line - 1] || "";
            Plaza.$("error-line").textContent = text;
            Plaza.$("error-caret").textContent = " ".repeat(Math.max(0, error.column - 1)) + "^";
          } else {
            Plaza.$("error-line").textContent = "";
            Plaza.$("error-caret").textContent = "";
          }
          Plaza.updateGutter(error.line);
        };

        Plaza.clearError = function () {
          Plaza.$("error").hidden = true;
          Plaza.updateGutter();
        };

        Plaza.run = async function () {
          const sql = Plaza.$("sql").value;
          if (!sql.trim()) return;
          Plaza.clearError();
          Plaza.updateLinks();
          Plaza.$("status").textContent = Plaza.t("running");
          let body;
          try {
            const response = await fetch("/api/query", {
              method: "POST", headers: { "Content-Type": "application/json" },
              body: JSON.stringify({ sql: sql, format: "json", limit: 10000 })
            });
            body = await response.json();
          } catch (failure) {
            body = { error: { kind: "network", message: String(failure) } };
          }
          Plaza.$("status").textContent = "";
          if (body.error && !body.rows) {
            Plaza.state.result = null;
            Plaza.$("result").replaceChildren();
            Plaza.$("chart-box").hidden = true;
            Plaza.showError(body.error, sql);
            return;
          }
          Plaza.state.result = body;
          Plaza.showResult(body);
          if (body.error) Plaza.showError(body.error, sql);
        };

        Plaza.isNumeric = (type) => /^(BIGINT|INTEGER|DOUBLE|DECIMAL|REAL|FLOAT|SMALLINT|HUGEINT)/.test(type);

        // A result or sample as a table, column types under the names.
        Plaza.table = function (result, maxRows) {
          const table = Plaza.element("table");
          const head = Plaza.element("tr");
          for (const column of result.columns) {
            const cell = Plaza.element("th", {}, column.name);
            cell.append(Plaza.element("span", { class: "type" }, column.type));
            head.append(cell);
          }
          const thead = Plaza.element("thead");
          thead.append(head);
          const tbody = Plaza.element("tbody");
          const numeric = result.columns.map((column) => Plaza.isNumeric(column.type));
          for (const row of result.rows.slice(0, maxRows)) {
            const line = Plaza.element("tr");
            row.forEach((value, index) => {
              const isNull = value === null;
              const classes = (numeric[index] ? "number" : "") + (isNull ? " null" : "");
              line.append(Plaza.element("td", classes.trim() ? { class: classes.trim() } : {}, isNull ? "NULL" : String(value)));
            });
            tbody.append(line);
          }
          table.append(thead, tbody);
          return table;
        };

        Plaza.showResult = function (result) {
          const box = Plaza.$("result");
          box.replaceChildren();
          let status = Plaza.t("result", { n: result.row_count.toLocaleString(Plaza.state.lang), ms: result.elapsed_ms });
          if (result.truncated) status += " (" + Plaza.t("truncated", { n: result.row_count }) + ")";
          box.append(Plaza.element("p", { class: "muted", id: "result-status" }, status));
          box.append(Plaza.table(result, 1000));
          Plaza.drawChart(result);
        };

        // The URL holds the query, the chart and the language, so that a link reproduces the view.
        Plaza.updateLinks = function () {
          const sql = Plaza.$("sql").value;
          const params = new URLSearchParams();
          if (sql.trim()) params.set("sql", sql);
          if (Plaza.state.chart !== "auto") params.set("chart", Plaza.state.chart);
          if (Plaza.state.lang !== "en") params.set("lang", Plaza.state.lang);
          const query = params.toString();
          history.replaceState(null, "", query ? "/?" + query : "/");
          for (const format of ["csv", "parquet", "xlsx", "arrow"]) {
            Plaza.$("download-" + format).href = "/api/query?" + new URLSearchParams({ sql: sql, format: format }).toString();
          }
        };

        Plaza.copyLink = async function () {
          Plaza.updateLinks();
          try { await navigator.clipboard.writeText(location.href); } catch (failure) { /* shown below anyway */ }
          Plaza.$("status").textContent = Plaza.t("copied") + ": " + location.href;
        };

        Plaza.start = function () {
          const params = new URLSearchParams(location.search);
          const editor = Plaza.$("sql");
          editor.value = params.get("sql") || "";
          Plaza.state.chart = params.get("chart") || "auto";
          Plaza.$("chart-kind").value = Plaza.state.chart;
          const lang = params.get("lang") || ((navigator.language || "en").startsWith("es") ? "es" : "en");
          editor.addEventListener("input", () => Plaza.updateGutter());
          editor.addEventListener("scroll", () => { Plaza.$("gutter").scrollTop = editor.scrollTop; });
          editor.addEventListener("keydown", (event) => {
            if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); Plaza.run(); }
          });
          Plaza.$("run").addEventListener("click", () => Plaza.run());
          Plaza.$("share").addEventListener("click", () => Plaza.copyLink());
          Plaza.$("lang-en").addEventListener("click", () => Plaza.setLanguage("en"));
          Plaza.$("lang-es").addEventListener("click", () => Plaza.setLanguage("es"));
          Plaza.$("chart-kind").addEventListener("change", (event) => {
            Plaza.state.chart = event.target.value;
            Plaza.updateLinks();
            if (Plaza.state.result) Plaza.drawChart(Plaza.state.result);
          });
          Plaza.setLanguage(lang);
          Plaza.updateGutter();
          Plaza.loadCatalog();
          if (editor.value.trim()) Plaza.run();
        };

        document.addEventListener("DOMContentLoaded", Plaza.start);
        """#
}
