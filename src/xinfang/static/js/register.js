// Registration form: show the fields of the chosen channel, the representatives of a
// collective petition; drag-and-drop attachments; link a repeat;
// submit once. Everything still works without JavaScript (all fields are then visible).
(function () {
  "use strict";
  var form = document.getElementById("register-form");
  if (!form) return;

  var channel = form.querySelector("[name=channel]");
  function onChannel() {
    // A field may belong to several channels (the sender's number: phone and fax).
    form.querySelectorAll(".xf-channel").forEach(function (el) {
      el.classList.toggle("d-none", !el.classList.contains("xf-channel-" + channel.value));
    });
  }
  channel.addEventListener("change", onChannel);
  onChannel();

  var headcount = form.querySelector("[name=headcount]");
  function onHeadcount() {
    document.getElementById("representatives").classList.toggle("d-none", Number(headcount.value) < 5);
  }
  headcount.addEventListener("input", onHeadcount);
  onHeadcount();

  var anonymous = form.querySelector("[name=is_anonymous]");
  function onAnonymous() {
    ["name", "id_number", "phone", "address"].forEach(function (n) {
      form.querySelector("[name=" + n + "]").disabled = anonymous.checked;
    });
  }
  anonymous.addEventListener("change", onAnonymous);
  onAnonymous();

  var drop = document.getElementById("dropzone");
  var input = form.querySelector("input[type=file]");
  var list = document.getElementById("file-list");
  function showFiles() {
    list.textContent = Array.prototype.map.call(input.files, function (f) {
      return f.name + "（" + Math.ceil(f.size / 1024) + " KB）";
    }).join("，");
  }
  input.addEventListener("change", showFiles);
  ["dragenter", "dragover"].forEach(function (type) {
    drop.addEventListener(type, function (e) { e.preventDefault(); drop.classList.add("xf-over"); });
  });
  ["dragleave", "drop"].forEach(function (type) {
    drop.addEventListener(type, function (e) { e.preventDefault(); drop.classList.remove("xf-over"); });
  });
  drop.addEventListener("drop", function (e) {
    var merged = new DataTransfer();
    Array.prototype.forEach.call(input.files, function (f) { merged.items.add(f); });
    Array.prototype.forEach.call(e.dataTransfer.files, function (f) { merged.items.add(f); });
    input.files = merged.files;
    showFiles();
  });

  // A suggested category is taken only by the registrar's click (never chosen for them).
  document.addEventListener("click", function (e) {
    var button = e.target.closest(".xf-take-category");
    if (!button) return;
    var select = form.querySelector("[name=category]");
    select.value = button.dataset.category;
    select.dispatchEvent(new Event("change", { bubbles: true }));
    document.querySelectorAll(".xf-take-category").forEach(function (b) {
      b.classList.toggle("active", b === button);
      b.setAttribute("aria-pressed", b === button ? "true" : "false");
    });
  });

  // The similar and earlier cases panels (htmx) bring buttons that link the new case to one
  // of theirs: as its repeat (repeat_of) or as the same matter (same_matter_as, any person).
  function linkButton(selector, field, noteId, words) {
    document.addEventListener("click", function (e) {
      var button = e.target.closest(selector);
      if (!button) return;
      form.querySelector("[name=" + field + "]").value = button.dataset.id;
      var note = document.getElementById(noteId);
      note.textContent = "将" + words[0] + button.dataset.code + words[1];
      note.classList.remove("d-none");
    });
  }
  linkButton(".xf-mark-repeat", "repeat_of", "repeat-chosen", ["作为 ", " 的重复访登记。"]);
  linkButton(".xf-mark-same-matter", "same_matter_as", "same-matter-chosen", ["与 ", " 关联为同一事项登记。"]);

  // On a phone the earlier and similar cases would come after the whole form, below the
  // submit button: they move into the form just above it, and back beside it when wide.
  var panels = document.getElementById("register-panels");
  var slot = document.getElementById("register-panels-slot");
  var aside = panels && panels.parentNode;
  var narrow = window.matchMedia("(max-width: 991.98px)");
  function placePanels() {
    if (!panels || !slot) return;
    var target = narrow.matches ? slot : aside;
    if (panels.parentNode !== target) target.appendChild(panels);
  }
  if (narrow.addEventListener) narrow.addEventListener("change", placePanels);
  placePanels();
  // When the lookup finds earlier cases, a note by the person's fields points to them.
  var found = document.getElementById("earlier-found");
  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (!found || e.detail.target.id !== "earlier") return;
    found.classList.toggle("d-none", !e.detail.target.querySelector("[data-earlier-found]"));
  });

  form.addEventListener("submit", function () {
    // The idempotency key makes a second submit harmless; this just spares the wait.
    var submit = document.getElementById("register-submit");
    setTimeout(function () { submit.disabled = true; submit.textContent = "正在登记……"; }, 0);
  });
})();
