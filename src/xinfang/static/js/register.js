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

  // "Mark as repeat of this case" buttons arrive with the earlier-cases panel (htmx).
  document.addEventListener("click", function (e) {
    var button = e.target.closest(".xf-mark-repeat");
    if (!button) return;
    form.querySelector("[name=repeat_of]").value = button.dataset.id;
    var note = document.getElementById("repeat-chosen");
    note.textContent = "将作为 " + button.dataset.code + " 的重复访登记。";
    note.classList.remove("d-none");
  });

  // "Link as the same matter" (another person or phone, the same matter by its words).
  document.addEventListener("click", function (e) {
    var button = e.target.closest(".xf-mark-same-matter");
    if (!button) return;
    form.querySelector("[name=same_matter_as]").value = button.dataset.id;
    var note = document.getElementById("same-matter-chosen");
    note.textContent = "将与 " + button.dataset.code + " 关联为同一事项登记。";
    note.classList.remove("d-none");
  });

  form.addEventListener("submit", function () {
    // The idempotency key makes a second submit harmless; this just spares the wait.
    var submit = document.getElementById("register-submit");
    setTimeout(function () { submit.disabled = true; submit.textContent = "正在登记……"; }, 0);
  });
})();
