// The register (gestion/pointage/): each tap is sent at once; a tap that cannot reach the
// server (network down) waits in localStorage and is sent again, and the page says how
// many are not saved yet. A tap carries the wanted state, so sending it twice is harmless.
(function () {
  "use strict";
  var root = document.getElementById("attendance");
  if (!root) return;
  var KEY = "preau-pointage-queue";
  var data = root.dataset;
  var csrf = root.querySelector("[name=csrfmiddlewaretoken]").value;
  var syncLine = root.querySelector("[data-sync]");
  var sending = false;

  function load() {
    try { return JSON.parse(window.localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function store(queue) { window.localStorage.setItem(KEY, JSON.stringify(queue)); }

  function showCount() {
    var n = load().length;
    root.dataset.unsaved = String(n);
    if (n === 0) syncLine.textContent = data.allSaved;
    else syncLine.textContent = (n === 1 ? data.unsavedOne : data.unsavedMany).replace("{n}", n);
    syncLine.classList.toggle("is-pending", n > 0);
    var present = root.querySelectorAll('.attendance-row[data-state="present"]').length;
    root.querySelector("[data-present-count]").textContent = String(present);
  }

  function enqueue(tap) {
    var queue = load().filter(function (t) { return t.key !== tap.key; });
    queue.push(tap);
    store(queue);
    showCount();
    flush();
  }

  function refuse(message) {
    syncLine.textContent = data.refused + " " + message;
    syncLine.classList.add("is-error");
  }

  function flush() {
    if (sending) return;
    var queue = load();
    if (!queue.length) { showCount(); return; }
    sending = true;
    var tap = queue[0];
    var body = new URLSearchParams();
    ["service", "site", "day", "child", "meal_kind", "present", "reason"].forEach(function (name) {
      body.append(name, tap[name] || "");
    });
    body.append("csrfmiddlewaretoken", csrf);
    fetch(data.tapUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" },
    }).then(function (response) {
      if (response.status >= 500) throw new Error("server");
      return response.json().catch(function () { return { ok: false, error: "" }; }).then(function (result) {
        // Saved, or refused for good (a closed day, a child not enrolled): out of the queue.
        store(load().filter(function (t) { return t.key !== tap.key || t.present !== tap.present; }));
        if (!result.ok) refuse(result.error);
        sending = false;
        showCount();
        if (result.ok) flush();
      });
    }).catch(function () {
      sending = false;
      showCount();
      window.setTimeout(flush, 3000);
    });
  }

  function setState(row, present) {
    row.dataset.state = present ? "present" : "absent";
    row.querySelector(".tap-present").setAttribute("aria-pressed", present ? "true" : "false");
    row.querySelector(".tap-absent").setAttribute("aria-pressed", present ? "false" : "true");
  }

  function onTap(event) {
    var button = event.target.closest("button.tap");
    if (!button || button.disabled) return;
    var row = button.closest(".attendance-row");
    var reasonField = root.querySelector("[data-reason]");
    var reason = reasonField ? reasonField.value.trim() : "";
    if (data.closed && !reason) {
      refuse(data.reasonNeeded);
      if (reasonField) reasonField.focus();
      return;
    }
    var present = button.dataset.present;
    setState(row, present === "1");
    enqueue({
      key: [data.site, data.day, row.dataset.child, row.dataset.meal].join("|"),
      service: data.service, site: data.site, day: data.day,
      child: row.dataset.child, meal_kind: row.dataset.meal, present: present, reason: reason,
    });
  }

  function button(label, cls, present) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "tap " + cls;
    b.dataset.present = present;
    b.setAttribute("aria-pressed", "false");
    b.textContent = label;
    return b;
  }

  function addRow(child) {
    var existing = root.querySelector('.attendance-row[data-child="' + child.id + '"]');
    if (existing) { existing.querySelector(".tap-present").click(); return; }
    var row = document.createElement("li");
    row.className = "attendance-row";
    row.dataset.child = child.id;
    row.dataset.meal = data.defaultMeal;
    var who = document.createElement("div");
    who.className = "attendance-child";
    var name = document.createElement("span");
    name.className = "attendance-name";
    name.textContent = child.name;
    var meta = document.createElement("span");
    meta.className = "attendance-meta";
    meta.textContent = [child["class"], data.unbooked].filter(Boolean).join(" · ");
    who.append(name, meta);
    var buttons = document.createElement("div");
    buttons.className = "attendance-buttons";
    buttons.setAttribute("role", "group");
    buttons.setAttribute("aria-label", child.name);
    buttons.append(button(data.present, "tap-present", "1"), button(data.absent, "tap-absent", "0"));
    row.append(who, buttons);
    root.querySelector("[data-added]").append(row);
    row.querySelector(".tap-present").click();
  }

  var search = root.querySelector("[data-search]");
  var results = root.querySelector("[data-results]");
  var timer = null;
  function runSearch() {
    var q = search.value.trim();
    results.textContent = "";
    if (q.length < 2) return;
    var url = data.searchUrl + "?" + new URLSearchParams({ service: data.service, site: data.site, q: q });
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (found) {
      results.textContent = "";
      if (!found.children.length) {
        var none = document.createElement("li");
        none.textContent = data.noResult;
        results.append(none);
      }
      found.children.forEach(function (child) {
        var item = document.createElement("li");
        var add = document.createElement("button");
        add.type = "button";
        add.className = "button";
        add.textContent = data.add + " : " + child.name + (child["class"] ? " (" + child["class"] + ")" : "");
        add.addEventListener("click", function () { addRow(child); results.textContent = ""; search.value = ""; });
        item.append(add);
        results.append(item);
      });
    }).catch(function () { /* offline: the search waits for the network */ });
  }
  if (search) search.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(runSearch, 250);
  });

  root.addEventListener("click", onTap);
  window.addEventListener("online", flush);
  window.setInterval(flush, 5000);
  var close = root.querySelector("[data-close]");
  if (close) close.addEventListener("click", function (event) {
    if (load().length) { event.preventDefault(); refuse(syncLine.textContent); }
  });
  showCount();
  flush();
})();
