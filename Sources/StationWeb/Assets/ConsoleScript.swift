/// The console's one script, embedded and served from the console itself (the Content-Security-Policy allows no
/// inline script and nothing from elsewhere). Pages work as plain forms; this adds the live parts: server-sent
/// events, the intake outcome, sounds and speech, async forms that keep the keyboard where it was.
enum ConsoleScript {
    static let js = #"""
        "use strict";
        (function () {
          const csrf = (document.querySelector('meta[name="csrf"]') || {}).content || "";
          const body = document.body;
          const banner = document.getElementById("banner");
          window.__seen = {};   // scan sequence -> when its outcome reached the page (parcel-bench --web reads it)

          function showBanner(text) { if (banner) { banner.textContent = text; banner.classList.toggle("shown", !!text); } }

          async function post(url, fields) {
            const form = new URLSearchParams(fields);
            const response = await fetch(url, { method: "POST", body: form, credentials: "same-origin",
              headers: { "Accept": "application/json", "X-CSRF-Token": csrf } });
            if (response.status === 401) { location.href = "/unlock?next=" + encodeURIComponent(location.pathname + location.search); return null; }
            let reply = null;
            try { reply = await response.json(); } catch (e) { reply = { ok: false, error: "控制台的回复无法识别（HTTP " + response.status + "）" }; }
            return reply;
          }

          // Live data: one EventSource per page; the browser reconnects by itself, the server says whether the daemon is up.
          let lastConnection = null;
          function refreshLive() {
            document.querySelectorAll("[data-refresh-url]").forEach(async (element) => {
              try {
                const response = await fetch(element.dataset.refreshUrl, { credentials: "same-origin", headers: { "Accept": "text/html" } });
                if (response.ok) { element.innerHTML = await response.text(); }
              } catch (e) { /* the banner already says why */ }
            });
          }
          if (body.dataset.events) {
            const source = new EventSource(body.dataset.events);
            source.addEventListener("open", () => showBanner(""));
            source.addEventListener("error", () => { body.dataset.live = "lost"; showBanner("与控制台的连接中断，正在重新连接…"); });
            source.addEventListener("daemon", (e) => {
              const state = JSON.parse(e.data);
              body.dataset.live = state.up ? "up" : "down";
              if (!state.up) { showBanner("站点服务（parcel-stationd）未运行：扫描和操作暂时无法进行，恢复后页面会自动更新。"); return; }
              showBanner("");
              if (lastConnection !== null && lastConnection !== state.connection) { refreshLive(); }
              lastConnection = state.connection;
            });
            source.addEventListener("locked", () => { location.href = "/unlock?next=" + encodeURIComponent(location.pathname); });
            for (const name of ["scan", "parcel.intake", "parcel.pickedUp", "parcel.stateChanged", "scanner.attached", "scanner.detached", "events.dropped", "display"]) {
              source.addEventListener(name, (e) => {
                const message = JSON.parse(e.data);
                document.dispatchEvent(new CustomEvent("station:" + name, { detail: message.data || message }));
              });
            }
            document.addEventListener("station:events.dropped", refreshLive);
          }

          // Sounds: a distinct tone per outcome, made here (no audio files to fetch).
          let audio = null;
          function beep(tone) {
            if (localStorage.getItem("sound") === "off") return;
            try {
              audio = audio || new AudioContext();
              const plan = { ok: [[880, 0.12]], repeat: [[660, 0.09], [660, 0.09]], refused: [[220, 0.45]], info: [[520, 0.15]] }[tone] || [[440, 0.1]];
              let at = audio.currentTime;
              for (const [frequency, length] of plan) {
                const oscillator = audio.createOscillator(); const gain = audio.createGain();
                oscillator.frequency.value = frequency; oscillator.type = tone === "refused" ? "square" : "sine";
                gain.gain.value = 0.25; oscillator.connect(gain); gain.connect(audio.destination);
                oscillator.start(at); oscillator.stop(at + length); at += length + 0.06;
              }
            } catch (e) { /* no audio device */ }
          }
          function speak(text) {
            if (localStorage.getItem("speech") !== "on" || !window.speechSynthesis) return;
            const utterance = new SpeechSynthesisUtterance(text); utterance.lang = "zh-CN"; utterance.rate = 1.1;
            speechSynthesis.cancel(); speechSynthesis.speak(utterance);
          }
          document.querySelectorAll("input[data-setting]").forEach((box) => {
            const key = box.dataset.setting;
            const on = localStorage.getItem(key) ? localStorage.getItem(key) === "on" : box.defaultChecked;
            box.checked = on;
            box.addEventListener("change", () => localStorage.setItem(key, box.checked ? "on" : "off"));
          });

          // Every form marked data-async posts in the background and shows its answer in place.
          document.querySelectorAll("form[data-async]").forEach((form) => {
            form.addEventListener("submit", async (event) => {
              event.preventDefault();
              const fields = Object.fromEntries(new FormData(form).entries());
              const reply = await post(form.action, fields).catch(() => ({ ok: false, error: "控制台连接失败" }));
              if (reply) form.dispatchEvent(new CustomEvent("reply", { detail: reply }));
            });
          });

          // 入库: the outcome block, the feed, the selected parcel, today's count.
          const outcome = document.getElementById("outcome");
          if (outcome) {
            const feed = document.getElementById("feed");
            const entry = document.getElementById("entry");
            const selected = document.getElementById("selected");
            const undo = document.getElementById("undo");
            const today = document.getElementById("today");
            const words = JSON.parse(document.getElementById("words").textContent);
            function set(id, text) { const element = document.getElementById(id); if (element) element.textContent = text || ""; }
            function render(scan) {
              const tone = words.tones[scan.result] || "refused";
              outcome.className = "outcome " + tone;
              set("result", words.results[scan.result] || scan.result);
              const parcel = scan.parcel;
              set("code", parcel && parcel.pickupCode ? parcel.pickupCode : (tone === "refused" ? "✕" : "—"));
              set("courier", parcel ? ((parcel.couriers && parcel.couriers[0] && parcel.couriers[0].name) || parcel.courier || "") : "");
              set("tracking", parcel ? parcel.tracking : scan.text);
              set("tail", parcel && parcel.phoneTail ? "尾号 " + parcel.phoneTail : (parcel ? "尾号未录入" : ""));
              set("message", scan.message);
              // A number refused as no waybill (not a command): staff may confirm it is one after all.
              const refusal = scan.error && scan.error.code ? String(scan.error.code) : "";
              const forcible = refusal.startsWith("notAParcel.") && refusal !== "notAParcel.command";
              forceform.hidden = !forcible;
              if (forcible) document.getElementById("force-text").value = scan.text;
              if (parcel && (scan.result === "intake" || scan.result === "repeatIntake")) {
                selected.value = parcel.tracking;
                document.getElementById("undo-tracking").value = parcel.tracking;
                undo.hidden = scan.result !== "intake";
                entry.placeholder = "输入尾号（4位）给 " + parcel.tracking + "，或扫下一个";
              }
              const item = document.createElement("li");
              item.className = tone;
              item.innerHTML = "<span class=code></span><span class=what></span><span class=text></span>";
              item.querySelector(".code").textContent = parcel && parcel.pickupCode ? parcel.pickupCode : "";
              item.querySelector(".what").textContent = words.results[scan.result] || scan.result;
              item.querySelector(".text").textContent = (parcel ? parcel.tracking : scan.text) + "  " + (scan.message || "");
              feed.prepend(item);
              while (feed.children.length > 30) feed.lastChild.remove();
              if (scan.result === "intake") today.textContent = String(Number(today.textContent || 0) + 1);
              if (typeof scan.sequence === "number") window.__seen[scan.sequence] = performance.timeOrigin + performance.now();
              beep(tone);
              if (parcel && parcel.pickupCode && tone !== "refused") speak(parcel.pickupCode.split("").join(" "));
            }
            document.addEventListener("station:scan", (e) => render(e.detail));
            const form = document.getElementById("entryform");
            const forceform = document.getElementById("forceform");
            function replied(e) {
              const reply = e.detail;
              if (reply.outcome) render(reply.outcome);
              else if (reply.ok && reply.parcel) { set("tail", "尾号 " + reply.parcel.phoneTail); set("message", reply.message); beep("ok"); }
              else { outcome.className = "outcome refused"; set("result", "未完成"); set("message", reply.error); beep("refused"); }
              entry.value = ""; entry.focus();
            }
            form.addEventListener("reply", replied);
            forceform.addEventListener("reply", replied);
            entry.addEventListener("keydown", (e) => { if (e.key === "Escape") { entry.value = ""; } });
            document.getElementById("undoform").addEventListener("reply", (e) => {
              const reply = e.detail;
              outcome.className = "outcome " + (reply.ok ? "repeat" : "refused");
              set("result", reply.ok ? "已撤销入库" : "未撤销"); set("message", reply.ok ? reply.message : reply.error);
              if (reply.ok) { set("code", "—"); undo.hidden = true; today.textContent = String(Math.max(0, Number(today.textContent) - 1)); }
              entry.focus();
            });
          }

          // 顾客屏: the latest code to collect.
          const display = document.getElementById("display-code");
          if (display) {
            document.addEventListener("station:display", (e) => {
              const scan = e.detail;
              if (!scan.code) return;
              display.textContent = scan.code;
              document.getElementById("display-line").textContent = scan.message || "";
            });
          }

          document.querySelectorAll("[data-refresh-on]").forEach((element) => {
            for (const name of element.dataset.refreshOn.split(" ")) document.addEventListener("station:" + name, refreshLive);
          });

          // Live sections that follow scans (handoff reconciliation, stocktake): refetch on any scan for them.
          document.querySelectorAll("[data-follow]").forEach((element) => {
            const [kind, id] = element.dataset.follow.split(":");
            document.addEventListener("station:scan", (e) => { if (e.detail[kind] === id) refreshLive(); });
          });

          // 交接: a manifest file goes up as it is (the console reads its encoding); a typed scan answers in place.
          const upload = document.querySelector("form[data-upload]");
          if (upload) {
            upload.addEventListener("submit", async (event) => {
              event.preventDefault();
              const file = document.getElementById("manifest").files[0];
              const result = document.getElementById("manifest-result");
              if (!file) return;
              result.textContent = "正在导入…";
              try {
                const response = await fetch(upload.dataset.upload, { method: "POST", body: file, credentials: "same-origin",
                  headers: { "Accept": "application/json", "Content-Type": "application/octet-stream", "X-CSRF-Token": csrf,
                    "X-Filename": encodeURIComponent(file.name) } });
                let reply; try { reply = await response.json(); } catch (e) { reply = { ok: false, error: "导入失败（HTTP " + response.status + "）" }; }
                result.textContent = reply.ok ? reply.message : reply.error;
                result.className = "notice " + (reply.ok ? "ok" : "refused");
                refreshLive();
              } catch (e) { result.textContent = "控制台连接失败，没有导入。"; result.className = "notice refused"; }
            });
          }
          document.querySelectorAll("form[data-refreshes]").forEach((form) => {
            form.addEventListener("reply", (e) => {
              const reply = e.detail; const box = form.querySelector(".reply");
              if (box) { box.textContent = reply.ok ? reply.message : reply.error; box.className = "reply notice " + (reply.ok ? "ok" : "refused"); }
              beep(reply.ok ? "ok" : "refused");
              const input = form.querySelector("input[name=text]"); if (input) { input.value = ""; input.focus(); }
              refreshLive();
            });
          });

          // 取件: Enter in the lookup box, with the list for that same query on screen, hands the parcels out; a changed
          // query looks up again. So the counter is four digits, Enter, Enter.
          const lookup = document.querySelector("input[data-confirms]");
          if (lookup) {
            lookup.addEventListener("keydown", (e) => {
              const confirm = document.getElementById(lookup.dataset.confirms);
              if (e.key === "Enter" && confirm && lookup.value.trim() === lookup.defaultValue.trim()) { e.preventDefault(); confirm.requestSubmit(); }
            });
          }

          document.querySelectorAll("[data-print]").forEach((button) => button.addEventListener("click", () => window.print()));

          // Esc leaves a page's form for the page's first field; autofocus fields keep digits where they belong.
          document.addEventListener("keydown", (e) => {
            if (e.key === "Escape" && document.activeElement && document.activeElement.form) { document.activeElement.form.reset(); }
          });
        })();
        """#
}
