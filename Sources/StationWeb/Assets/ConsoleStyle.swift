/// The console's one stylesheet, embedded (the station may be offline: no CDN, no web font). Sized for reading
/// from 1.5 m at 1366×768 and for a 10-inch tablet: body 20 px, pickup codes 160 px, touch targets ≥ 44 px.
enum ConsoleStyle {
    static let css = """
        :root { --ok: #0b6e2a; --ok-bg: #e3f5e8; --repeat: #8a5300; --repeat-bg: #fff1d6; --refused: #a11616;
          --refused-bg: #fde4e4; --info: #0b4f8a; --info-bg: #e2efff; --ink: #111; --line: #888; --bg: #fff; --nav: #1d2b3a; }
        * { box-sizing: border-box; }
        [hidden] { display: none !important; }  /* the button rules below would otherwise show a hidden undo */
        html { font-size: 20px; }
        body { margin: 0; font-family: "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei",
          "PingFang SC", sans-serif; color: var(--ink); background: var(--bg); line-height: 1.4; }
        a { color: var(--info); }
        header.top { display: flex; align-items: center; gap: 1rem; background: var(--nav); color: #fff; padding: 0 0.8rem; }
        header.top .station { font-weight: bold; white-space: nowrap; }
        header.top nav { display: flex; flex-wrap: wrap; gap: 0.1rem; flex: 1; }
        header.top nav a { color: #fff; text-decoration: none; padding: 0.55rem 0.7rem; min-height: 44px; display: inline-block; }
        header.top nav a.active { background: #fff; color: var(--nav); font-weight: bold; }
        header.top .who { white-space: nowrap; }
        header.top form { display: inline; }
        button, .button { font: inherit; min-height: 44px; min-width: 44px; padding: 0.3rem 1rem; border: 2px solid var(--ink);
          background: #fff; color: var(--ink); border-radius: 6px; cursor: pointer; text-decoration: none; display: inline-block; }
        button.primary { background: var(--ink); color: #fff; }
        button.danger { border-color: var(--refused); color: var(--refused); }
        header.top button { border-color: #fff; background: transparent; color: #fff; min-height: 36px; padding: 0.1rem 0.6rem; }
        input, select, textarea { font: inherit; min-height: 44px; padding: 0.2rem 0.5rem; border: 2px solid var(--ink); border-radius: 6px; }
        input:focus, button:focus, select:focus, a:focus { outline: 4px solid #f5b400; outline-offset: 2px; }
        main { padding: 0.8rem 1rem 2rem; }
        h1 { font-size: 1.5rem; margin: 0.2rem 0 0.6rem; }
        .banner { display: none; padding: 0.6rem 1rem; font-weight: bold; background: var(--refused); color: #fff; }
        .banner.shown { display: block; }
        .notice { padding: 0.6rem 1rem; border-left: 8px solid var(--info); background: var(--info-bg); margin: 0.5rem 0; }
        .notice.ok { border-color: var(--ok); background: var(--ok-bg); }
        .notice.refused { border-color: var(--refused); background: var(--refused-bg); }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: 0.35rem 0.5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { background: #eee; }
        .num { text-align: right; font-variant-numeric: tabular-nums; }
        .muted { color: #333; }
        .row { display: flex; gap: 1rem; flex-wrap: wrap; align-items: flex-start; }
        .grow { flex: 1; min-width: 18rem; }

        /* 入库: one glance, one outcome. */
        .outcome { border: 6px solid var(--line); border-radius: 12px; padding: 0.6rem 1rem; min-height: 19rem; }
        .outcome .result { font-size: 2.4rem; font-weight: bold; }
        .outcome .code { font-size: 160px; font-weight: bold; line-height: 1.05; letter-spacing: 0.02em; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .outcome .details { font-size: 1.3rem; }
        .outcome .message { font-size: 1.3rem; margin-top: 0.3rem; }
        .outcome.ok { border-color: var(--ok); background: var(--ok-bg); } .outcome.ok .result { color: var(--ok); }
        .outcome.repeat { border-color: var(--repeat); background: var(--repeat-bg); } .outcome.repeat .result { color: var(--repeat); }
        .outcome.refused { border-color: var(--refused); background: var(--refused-bg); } .outcome.refused .result { color: var(--refused); }
        .outcome.info { border-color: var(--info); background: var(--info-bg); } .outcome.info .result { color: var(--info); }
        .today { font-size: 1.2rem; } .today b { font-size: 3rem; display: block; line-height: 1; }
        .entry { display: flex; gap: 0.5rem; margin: 0.8rem 0; }
        .entry input { flex: 1; font-size: 1.6rem; }
        .feed { list-style: none; padding: 0; margin: 0; }
        .feed li { padding: 0.3rem 0.5rem; border-bottom: 1px solid var(--line); display: flex; gap: 1rem; }
        .feed li .code { font-weight: bold; min-width: 7rem; font-variant-numeric: tabular-nums; }
        .feed li.refused { color: var(--refused); } .feed li.repeat { color: var(--repeat); }
        .toggles label { margin-right: 1rem; white-space: nowrap; }
        .toggles input { min-height: 0; width: 1.2rem; height: 1.2rem; }

        /* 取件 */
        .parcels .shelf { font-size: 3rem; font-weight: bold; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .parcels td { vertical-align: middle; }
        .parcels input[type=checkbox] { width: 1.6rem; height: 1.6rem; min-height: 0; }

        /* 交接 */
        .tiles { display: flex; gap: 0.6rem; flex-wrap: wrap; margin: 0.6rem 0; }
        .tile { border: 3px solid var(--line); border-radius: 10px; padding: 0.3rem 0.8rem; min-width: 7rem; text-align: center; font-size: 1.1rem; }
        .tile b { display: block; font-size: 3rem; line-height: 1.1; font-variant-numeric: tabular-nums; }
        .tile.ok { border-color: var(--ok); } .tile.refused { border-color: var(--refused); } .tile.repeat { border-color: var(--repeat); }
        tr.missing td, tr.damaged td { color: var(--refused); } tr.extra td, tr.misrouted td { color: var(--repeat); }
        tr.bagged td { color: var(--muted, #555); } td.late { color: var(--refused); font-weight: bold; }
        form.close { border: 3px solid var(--ink); border-radius: 10px; padding: 0.4rem 1rem; margin: 0.8rem 0; }
        .receipt { max-width: 48rem; } .receipt .digest { font-family: monospace; word-break: break-all; font-size: 0.9rem; }

        /* 顾客屏 */
        body.display { background: #000; color: #fff; text-align: center; }
        body.display .say { font-size: 3rem; margin-top: 8vh; }
        body.display .code { font-size: 22vw; font-weight: bold; line-height: 1; font-variant-numeric: tabular-nums; }
        body.display .line { font-size: 2rem; }

        /* Forms of the back-office pages: fields in a grid, labels above their boxes. */
        .filters { align-items: flex-end; margin: 0.4rem 0 0.8rem; }
        .tabs { margin-bottom: 0.4rem; }
        .button.active { background: var(--ink); color: #fff; }
        .grid-form { display: grid; grid-template-columns: repeat(auto-fill, minmax(15rem, 1fr)); gap: 0.4rem 1rem; align-items: end;
          margin-bottom: 1rem; }
        .grid-form label { display: flex; flex-direction: column; }
        .grid-form label.check { flex-direction: row; align-items: center; gap: 0.4rem; min-height: 44px; }
        .grid-form label.check input { min-height: 0; width: 1.4rem; height: 1.4rem; }
        .grid-form label.wide { grid-column: 1 / -1; }
        .grid-form p { margin: 0; }
        td.ok, b.ok { color: var(--ok); }
        .nowrap, table.outgoing td.num, table.outgoing th, table.complaints th, table.scanners th, table.scanners td.num { white-space: nowrap; }
        td form.row { gap: 0.4rem; flex-wrap: nowrap; }
        td form.row input { flex: 1; min-width: 8rem; }

        /* 报表: the report renderer's markup inside the frame; charts are inline SVG. */
        .report .report-head { border-bottom: 3px solid var(--ink); margin-bottom: 0.8rem; }
        .report .report-head h1 { margin: 0; }
        .report .subtitle, .report .meta { margin: 0.1rem 0; }
        .report .meta span { margin-right: 1.2rem; }
        .report main { padding: 0; }
        .report section { margin: 0 0 1.2rem; }
        .report h2 { font-size: 1.15rem; border-left: 6px solid var(--info); padding-left: 0.5rem; }
        .report .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(19rem, 1fr)); gap: 0 1.5rem; align-items: start; }
        .report table.pair { width: auto; min-width: 50%; }
        .report .grid table.pair { width: 100%; }
        .report table.wide { font-size: 0.8rem; }
        .report tfoot td { font-weight: bold; border-top: 2px solid var(--ink); }
        .report figure.chart { margin: 0 0 0.6rem; }
        .report figure.chart svg { width: 100%; max-width: 1000px; height: auto; }  /* scaled up: its 12 px labels read at ~18 px */
        .report .section-notes, .report .notes { font-size: 0.9rem; }

        /* 盘点: the counts in large type, growing as the shelf is swept. */
        .counts { display: flex; gap: 0.8rem; flex-wrap: wrap; margin: 0.6rem 0; }
        .count { border: 4px solid var(--line); border-radius: 10px; padding: 0.3rem 1rem; min-width: 7rem; text-align: center; }
        .count b { display: block; font-size: 2.6rem; line-height: 1.1; font-variant-numeric: tabular-nums; }
        .count.ok { border-color: var(--ok); } .count.repeat { border-color: var(--repeat); } .count.refused { border-color: var(--refused); }
        .shelfcode { font-weight: bold; font-size: 1.3rem; font-variant-numeric: tabular-nums; white-space: nowrap; }

        /* 扫描枪用途切换码: printed at 100%. */
        .commands { padding: 1rem 2rem; }
        .commands section { break-inside: avoid; margin: 0 0 1.5rem; }
        .commands h2 { margin: 0 0 0.3rem; }
        .commands svg { display: block; }
        .commands section p { font-family: monospace; margin: 0.2rem 0; }

        .signin { max-width: 26rem; margin: 4rem auto; }
        .signin label { display: block; margin: 0.8rem 0 0.2rem; }
        .signin input, .signin select { width: 100%; }

        @media print {
          header.top, .banner, .noprint, nav, form { display: none !important; }
          main { padding: 0; }
          html { font-size: 12pt; }
        }
        @page slip { size: 58mm auto; margin: 2mm; }
        .slip { page: slip; width: 54mm; font-size: 11pt; }
        .slip .code { font-size: 26pt; font-weight: bold; }
        """
}
