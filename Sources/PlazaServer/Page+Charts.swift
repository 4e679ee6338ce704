extension Page {
    /// Charts drawn as SVG by the page's own code: bars, lines, points and a histogram, chosen by
    /// the shape of the result's columns, with the values shown on hover.
    static let charts = #"""
        "use strict";
        // Charts drawn as SVG from a result: the kind follows the shape of the columns and can be changed.
        Plaza.svgNS = "http://www.w3.org/2000/svg";

        Plaza.svg = function (tag, attributes) {
          const node = document.createElementNS(Plaza.svgNS, tag);
          for (const name in attributes || {}) node.setAttribute(name, attributes[name]);
          return node;
        };

        Plaza.isTemporal = (type) => /^(DATE|TIMESTAMP)/.test(type);

        // Which chart suits the columns: a map-like scatter for latitude/longitude, lines over a date,
        // bars for a category and a number, a histogram for one number, points for two numbers.
        Plaza.chooseChart = function (columns) {
          const numbers = [], dates = [], labels = [];
          columns.forEach((column, index) => {
            if (Plaza.isNumeric(column.type)) numbers.push(index);
            else if (Plaza.isTemporal(column.type)) dates.push(index);
            else labels.push(index);
          });
          const named = (pattern) => columns.findIndex((column, index) => numbers.includes(index) && pattern.test(column.name));
          const lat = named(/^(lat|latitude|latitud)$/i), lon = named(/^(lon|lng|long|longitude|longitud)$/i);
          if (lat >= 0 && lon >= 0) return { kind: "points", x: lon, y: lat };
          if (dates.length > 0 && numbers.length > 0) return { kind: "line", x: dates[0], ys: numbers };
          if (labels.length > 0 && numbers.length > 0) return { kind: "bar", x: labels[0], y: numbers[0] };
          if (numbers.length >= 2) return { kind: "points", x: numbers[0], y: numbers[1] };
          if (numbers.length === 1) return { kind: "histogram", y: numbers[0] };
          return null;
        };

        // The chart actually drawn: the chosen kind when the columns allow it, else the automatic one.
        Plaza.resolveChart = function (columns, wanted) {
          const auto = Plaza.chooseChart(columns);
          if (wanted === "auto" || wanted === "none") return wanted === "none" ? null : auto;
          const numbers = columns.map((c, i) => i).filter((i) => Plaza.isNumeric(columns[i].type));
          const others = columns.map((c, i) => i).filter((i) => !Plaza.isNumeric(columns[i].type));
          if (numbers.length === 0) return auto;
          if (wanted === "histogram") return { kind: "histogram", y: numbers[0] };
          if (wanted === "bar") return { kind: "bar", x: others.length ? others[0] : numbers[0], y: others.length ? numbers[0] : numbers[1] ?? numbers[0] };
          if (wanted === "line") return { kind: "line", x: others.length ? others[0] : numbers[0], ys: others.length ? numbers : numbers.slice(1) };
          if (wanted === "points") return numbers.length >= 2 ? { kind: "points", x: numbers[0], y: numbers[1] } : auto;
          return auto;
        };

        Plaza.drawChart = function (result) {
          const box = Plaza.$("chart-box"), area = Plaza.$("chart"), note = Plaza.$("chart-note");
          area.replaceChildren();
          note.textContent = "";
          Plaza.$("tooltip").hidden = true;
          box.hidden = result.columns.length === 0 || result.rows.length === 0;
          if (box.hidden) return;
          const plan = Plaza.resolveChart(result.columns, Plaza.state.chart);
          if (!plan) {
            if (Plaza.state.chart !== "none") note.textContent = Plaza.t("noChart");
            return;
          }
          const svg = Plaza.svg("svg", { viewBox: "0 0 720 320", role: "img", "data-kind": plan.kind });
          Plaza["draw_" + plan.kind](svg, result, plan, note);
          area.append(svg);
        };

        Plaza.frame = { left: 56, right: 12, top: 12, bottom: 56, width: 720, height: 320 };

        Plaza.scale = function (min, max, from, to) {
          if (min === max) { min -= 1; max += 1; }
          return (value) => from + (value - min) / (max - min) * (to - from);
        };

        Plaza.axes = function (svg, minY, maxY) {
          const f = Plaza.frame;
          svg.append(Plaza.svg("line", { class: "axis", x1: f.left, y1: f.height - f.bottom, x2: f.width - f.right, y2: f.height - f.bottom }));
          svg.append(Plaza.svg("line", { class: "axis", x1: f.left, y1: f.top, x2: f.left, y2: f.height - f.bottom }));
          for (const value of [minY, (minY + maxY) / 2, maxY]) {
            const y = Plaza.scale(minY, maxY, f.height - f.bottom, f.top)(value);
            const label = Plaza.svg("text", { x: f.left - 6, y: y + 4, "text-anchor": "end" });
            label.textContent = Plaza.short(value);
            svg.append(label);
          }
        };

        Plaza.short = function (value) {
          const size = Math.abs(value);
          if (size >= 1e9) return (value / 1e9).toFixed(1) + "G";
          if (size >= 1e6) return (value / 1e6).toFixed(1) + "M";
          if (size >= 1e4) return (value / 1e3).toFixed(1) + "k";
          return Number.isInteger(value) ? String(value) : value.toFixed(2);
        };

        // Hover: the values of the mark under the pointer, in a box beside it.
        Plaza.hover = function (mark, text) {
          const title = Plaza.svg("title");
          title.textContent = text;
          mark.append(title);
          mark.setAttribute("data-value", text);
          mark.addEventListener("mousemove", (event) => {
            const tip = Plaza.$("tooltip"), box = Plaza.$("chart-box").getBoundingClientRect();
            tip.textContent = text;
            tip.hidden = false;
            tip.style.left = (event.clientX - box.left + 12) + "px";
            tip.style.top = (event.clientY - box.top + 12) + "px";
          });
          mark.addEventListener("mouseleave", () => { Plaza.$("tooltip").hidden = true; });
        };

        Plaza.draw_bar = function (svg, result, plan, note) {
          const f = Plaza.frame, limit = 50;
          const rows = result.rows.filter((row) => row[plan.y] !== null).slice(0, limit);
          if (result.rows.length > limit) note.textContent = Plaza.t("firstBars", { n: limit });
          const values = rows.map((row) => Number(row[plan.y]));
          const minY = Math.min(0, ...values), maxY = Math.max(0, ...values);
          Plaza.axes(svg, minY, maxY);
          const y = Plaza.scale(minY, maxY, f.height - f.bottom, f.top);
          const step = (f.width - f.left - f.right) / Math.max(1, rows.length);
          rows.forEach((row, index) => {
            const label = row[plan.x] === null ? "NULL" : String(row[plan.x]);
            const top = Math.min(y(values[index]), y(0)), height = Math.abs(y(values[index]) - y(0));
            const bar = Plaza.svg("rect", { class: "bar", x: f.left + index * step + step * 0.1, y: top, width: Math.max(1, step * 0.8), height: Math.max(1, height) });
            Plaza.hover(bar, label + ": " + row[plan.y]);
            svg.append(bar);
            if (rows.length <= 24) {
              const x = f.left + index * step + step / 2, base = f.height - f.bottom + 12;
              const text = Plaza.svg("text", { x: x, y: base, "text-anchor": "end", transform: "rotate(-30 " + x + " " + base + ")" });
              text.textContent = label.length > 16 ? label.slice(0, 15) + "…" : label;
              svg.append(text);
            }
          });
        };

        Plaza.colors = ["#0b6bcb", "#e0851b", "#2e8b57", "#b3261e", "#7b4bb7", "#5d6b7a"];

        Plaza.draw_line = function (svg, result, plan) {
          const f = Plaza.frame;
          const xs = result.rows.map((row) => Plaza.isTemporal(result.columns[plan.x].type) ? Date.parse(row[plan.x]) : Number(row[plan.x]));
          const all = [];
          for (const column of plan.ys) for (const row of result.rows) if (row[column] !== null) all.push(Number(row[column]));
          const minY = Math.min(...all), maxY = Math.max(...all);
          Plaza.axes(svg, minY, maxY);
          const valid = xs.filter((x) => !Number.isNaN(x));
          const x = Plaza.scale(Math.min(...valid), Math.max(...valid), f.left, f.width - f.right);
          const y = Plaza.scale(minY, maxY, f.height - f.bottom, f.top);
          const order = xs.map((value, index) => index).filter((index) => !Number.isNaN(xs[index])).sort((a, b) => xs[a] - xs[b]);
          plan.ys.forEach((column, series) => {
            const color = Plaza.colors[series % Plaza.colors.length];
            const points = order.filter((index) => result.rows[index][column] !== null);
            const path = points.map((index, n) => (n ? "L" : "M") + x(xs[index]).toFixed(1) + " " + y(Number(result.rows[index][column])).toFixed(1)).join(" ");
            svg.append(Plaza.svg("path", { class: "series", d: path, stroke: color }));
            for (const index of points) {
              const dot = Plaza.svg("circle", { class: "point", cx: x(xs[index]), cy: y(Number(result.rows[index][column])), r: 3, fill: color });
              Plaza.hover(dot, result.rows[index][plan.x] + "\n" + result.columns[column].name + ": " + result.rows[index][column]);
              svg.append(dot);
            }
            const key = Plaza.svg("text", { x: f.left + 8 + series * 140, y: f.height - 8, fill: color });
            key.textContent = "— " + result.columns[column].name;
            svg.append(key);
          });
        };

        Plaza.draw_points = function (svg, result, plan) {
          const f = Plaza.frame;
          const rows = result.rows.filter((row) => row[plan.x] !== null && row[plan.y] !== null);
          const xs = rows.map((row) => Number(row[plan.x])), ys = rows.map((row) => Number(row[plan.y]));
          Plaza.axes(svg, Math.min(...ys), Math.max(...ys));
          const x = Plaza.scale(Math.min(...xs), Math.max(...xs), f.left + 6, f.width - f.right - 6);
          const y = Plaza.scale(Math.min(...ys), Math.max(...ys), f.height - f.bottom - 6, f.top + 6);
          rows.forEach((row, index) => {
            const dot = Plaza.svg("circle", { class: "point", cx: x(xs[index]), cy: y(ys[index]), r: 3.5 });
            Plaza.hover(dot, result.columns[plan.x].name + ": " + row[plan.x] + "\n" + result.columns[plan.y].name + ": " + row[plan.y]);
            svg.append(dot);
          });
          const label = Plaza.svg("text", { x: f.width - f.right, y: f.height - 8, "text-anchor": "end" });
          label.textContent = result.columns[plan.x].name + " → · " + result.columns[plan.y].name + " ↑";
          svg.append(label);
        };

        Plaza.draw_histogram = function (svg, result, plan, note) {
          const f = Plaza.frame;
          const values = result.rows.map((row) => row[plan.y]).filter((value) => value !== null).map(Number);
          const min = Math.min(...values), max = Math.max(...values);
          const bins = Math.max(1, Math.min(20, Math.ceil(Math.sqrt(values.length))));
          const width = (max - min) / bins || 1;
          const counts = new Array(bins).fill(0);
          for (const value of values) counts[Math.min(bins - 1, Math.floor((value - min) / width))] += 1;
          note.textContent = Plaza.t("binned", { n: values.length, b: bins });
          Plaza.axes(svg, 0, Math.max(...counts));
          const y = Plaza.scale(0, Math.max(...counts), f.height - f.bottom, f.top);
          const step = (f.width - f.left - f.right) / bins;
          counts.forEach((count, index) => {
            const bin = Plaza.svg("rect", { class: "bin", x: f.left + index * step + 1, y: y(count), width: Math.max(1, step - 2), height: Math.max(0, y(0) - y(count)) });
            const from = min + index * width;
            Plaza.hover(bin, Plaza.short(from) + " – " + Plaza.short(from + width) + ": " + count);
            svg.append(bin);
          });
          const label = Plaza.svg("text", { x: f.width - f.right, y: f.height - 8, "text-anchor": "end" });
          label.textContent = result.columns[plan.y].name;
          svg.append(label);
        };
        """#
}
