/* Quita host UI: CSRF header for HTMX, readable errors, grid selection, bulk-action dialog. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function flash(message, kind) {
    var box = document.getElementById("flash");
    if (!box) { window.alert(message); return; }
    var div = document.createElement("div");
    div.className = "alert alert-" + (kind || "error");
    div.setAttribute("role", "alert");
    var span = document.createElement("span");
    span.textContent = message;
    var close = document.createElement("button");
    close.type = "button"; close.className = "alert-close"; close.textContent = "×";
    close.setAttribute("aria-label", "Fechar");
    close.onclick = function () { div.remove(); };
    div.appendChild(span); div.appendChild(close);
    box.innerHTML = ""; box.appendChild(div);
  }

  // A standard justification picked in an action dialog fills the justification text.
  document.addEventListener("change", function (evt) {
    var select = evt.target.closest && evt.target.closest("select[data-fill-justification]");
    if (!select || !select.value) { return; }
    var form = select.closest("form");
    var text = form && form.querySelector('textarea[name="justification"]');
    if (text) { text.value = select.value; text.dispatchEvent(new Event("input", { bubbles: true })); }
  });

  document.addEventListener("htmx:configRequest", function (evt) {
    evt.detail.headers["X-CSRF-Token"] = csrfToken();
  });

  // 4xx answers carry a pt-BR message (the server retargets them to #flash): show them.
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var status = evt.detail.xhr.status;
    if (status >= 400 && status < 500 && status !== 401) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
  });
  document.addEventListener("htmx:responseError", function (evt) {
    if (evt.detail.xhr.status >= 500) {
      flash("Erro interno ao processar a solicitação. Tente novamente ou contate o suporte.");
    }
  });
  document.addEventListener("htmx:sendError", function () {
    flash("Não foi possível comunicar com o servidor.");
  });

  function selectedIds(scope) {
    var root = scope ? document.querySelector(scope) : document;
    if (!root) { return []; }
    return Array.prototype.map.call(
      root.querySelectorAll('input[type="checkbox"][name="ids"]:checked'),
      function (el) { return el.value; });
  }

  document.addEventListener("click", function (evt) {
    var target = evt.target;
    // Bulk action button: open the generic dialog with the selected records.
    var btn = target.closest("[data-action]");
    if (btn && !btn.hasAttribute("disabled") && btn.getAttribute("aria-disabled") !== "true") {
      evt.preventDefault();
      var ids = btn.dataset.ids ? btn.dataset.ids.split(",") : selectedIds(btn.dataset.grid);
      if (!ids.length) { flash("Selecione ao menos um registro.", "warning"); return; }
      var box = document.getElementById("flash");
      if (box) { box.innerHTML = ""; }
      var url = "/acoes/" + encodeURIComponent(btn.dataset.action) + "/dialogo?ids=" + ids.join(",");
      htmx.ajax("GET", url, { target: "#modal", swap: "innerHTML" });
      return;
    }
    if (target.closest("[data-close-modal]")) {
      evt.preventDefault();
      var modal = document.getElementById("modal");
      if (modal) { modal.innerHTML = ""; }
      return;
    }
    // Tabs: mark the clicked one as active.
    var tab = target.closest(".tabs .tab");
    if (tab) {
      tab.parentElement.querySelectorAll(".tab").forEach(function (t) {
        t.classList.toggle("active", t === tab);
        t.setAttribute("aria-selected", t === tab ? "true" : "false");
      });
    }
    // Grid rows: a click selects the row (and enables the "Editar" button of that grid).
    var row = target.closest("tr[data-id]");
    if (row && !target.closest("input, a, button")) {
      var table = row.closest("table");
      table.querySelectorAll("tr.selected").forEach(function (r) { r.classList.remove("selected"); });
      row.classList.add("selected");
      var wrap = row.closest("[data-grid-wrap]");
      var edit = wrap && wrap.querySelector("[data-edit]");
      if (edit && row.dataset.editUrl) {
        edit.setAttribute("href", row.dataset.editUrl);
        edit.classList.remove("disabled");
        edit.removeAttribute("aria-disabled");
      }
    }
  });

  // Select-all checkbox in a grid header.
  document.addEventListener("change", function (evt) {
    var all = evt.target.closest("[data-select-all]");
    if (!all) { return; }
    var table = all.closest("table");
    table.querySelectorAll('input[type="checkbox"][name="ids"]').forEach(function (c) {
      if (!c.disabled) { c.checked = all.checked; }
    });
  });

  // Double-click a row ⇒ open it (the customer panel for parties).
  document.addEventListener("dblclick", function (evt) {
    var row = evt.target.closest("tr[data-href]");
    if (row && !evt.target.closest("input, a, button")) {
      window.location.href = row.dataset.href;
    }
  });

  document.addEventListener("keydown", function (evt) {
    if (evt.key === "Escape") {
      var modal = document.getElementById("modal");
      if (modal && modal.innerHTML.trim()) { modal.innerHTML = ""; }
    }
  });
})();
