// The page's loader: takes the uid and the file, hands them to worker.js, shows the result.
// It verifies nothing itself: the worker runs zkpor.verifier.page.check_page under Pyodide
// and this file only displays the dict it returns. Text from input goes in with
// textContent, never innerHTML. A classic script (not a module), so that it runs from
// disk too and can say there that the page needs a web server.
"use strict";
{

  const $ = (id) => document.getElementById(id);
  const uidInput = document.querySelector('input[name="uid"]');
  const fileInput = document.querySelector('input[type="file"]');
  const result = $("result");
  let worker = null;
  let started = 0;
  let ticker = null;

  function progress(text) {
    const elapsed = started ? ` (${((performance.now() - started) / 1000).toFixed(1)} s)` : "";
    $("progress").textContent = text ? text + elapsed : "";
    $("progress").dataset.text = text || "";
  }

  function cell(row, text, numeric) {
    const td = document.createElement("td");
    td.textContent = text;
    if (numeric) td.className = "num";
    row.appendChild(td);
  }

  function fillTable(id, rows, keys) {
    const body = $(id).querySelector("tbody");
    body.replaceChildren();
    for (const item of rows) {
      const row = document.createElement("tr");
      keys.forEach((key, i) => cell(row, item[key], i > 0));
      body.appendChild(row);
    }
  }

  function show(outcome, seconds) {
    clearInterval(ticker);
    started = 0;
    progress("");
    const pass = outcome.result === "pass";
    $("verdict").textContent = pass ? `PASS (${seconds.toFixed(1)} s)` : "FAIL";
    $("reason").textContent = pass
      ? "You are included with exactly these balances, and the proof verifies."
      : outcome.reason;
    $("insecure-result").hidden = !(pass && outcome.insecure);
    $("insecure-result").textContent = pass && outcome.insecure ? outcome.key_origin : "";
    $("uid-note").hidden = !(pass && !outcome.uid_checked);
    $("uid-note").textContent = "NOTE: uid not checked: type your uid to compare it with the file's.";
    $("details").hidden = !pass;
    if (pass) {
      $("user").textContent = `${outcome.uid} (leaf ${outcome.leaf_index})`;
      $("snapshot-id").textContent =
        `${outcome.snapshot_id} (${outcome.snapshot_time}), ` +
        (outcome.shards === undefined
          ? `N = ${outcome.domain_size}`
          : `${outcome.shards} shards (yours: ${outcome.shard})`) +
        `, ${outcome.n_fingerprints} fingerprints`;
      $("key-origin").textContent = outcome.key_origin;
      $("digest").textContent = outcome.digest;
      fillTable("balances", outcome.balances, ["asset", "amount", "price", "value"]);
      $("equity").textContent = outcome.equity;
      const haircut = outcome.haircut;
      for (const row of document.querySelectorAll("tr.haircut")) row.hidden = !haircut;
      for (const key of ["collateral", "debt", "equity"]) {
        $(`haircut-${key}`).textContent = haircut ? haircut[key] : "";
      }
      fillTable("totals", outcome.totals, ["asset", "price", "total"]);
    }
    result.hidden = false;
    result.className = pass ? "pass" : "fail";
    result.dataset.result = pass ? "pass" : "fail";
  }

  function fail(reason) {
    show({ result: "fail", kind: "page", reason }, 0);
  }

  async function check(file) {
    if (!file || !worker) return;
    delete result.dataset.result;
    result.hidden = true;
    started = performance.now();
    clearInterval(ticker);
    ticker = setInterval(() => progress($("progress").dataset.text), 200);
    progress(`reading ${file.name}`);
    let inclusion;
    try {
      inclusion = new Uint8Array(await file.arrayBuffer());
    } catch (err) {
      fail(`cannot read ${file.name}: ${err.message || err}`);
      return;
    }
    worker.postMessage({ type: "check", uid: uidInput.value, inclusion }, [inclusion.buffer]);
  }

  function onMessage({ data }) {
    if (data.type === "progress") progress(data.text);
    else if (data.type === "ready") {
      document.body.dataset.verifier = "ready";
      if (!started) progress("ready: type your uid and choose your inclusion file");
    } else if (data.type === "result") show(JSON.parse(data.json), (performance.now() - started) / 1000);
    else if (data.type === "error") fail(data.text);
  }

  async function start() {
    if (location.protocol === "file:") {
      progress("");
      fail("this page cannot run from a file: open it through a web server, for example run " +
        "`python3 -m http.server` in its folder and open the address it prints");
      return;
    }
    try {
      const config = await (await fetch("config.json")).json();
      $("insecure").hidden = !config.allow_insecure;
      document.body.classList.toggle("insecure-site", Boolean(config.allow_insecure));
      $("snapshot").textContent = `Proof of solvency, snapshot ${config.snapshot_id} (${config.snapshot_time})`;
    } catch (err) {
      fail(`this site has no readable config.json (${err.message || err})`);
      return;
    }
    worker = new Worker("worker.js", { type: "module" });
    worker.onmessage = onMessage;
    worker.onerror = (event) => fail(`the verifier could not start: ${event.message || "worker error"}`);
    progress("loading the verifier (Pyodide, a few seconds)");
  }

  fileInput.addEventListener("change", () => check(fileInput.files[0]));
  const drop = $("drop");
  for (const name of ["dragenter", "dragover"]) {
    drop.addEventListener(name, (event) => { event.preventDefault(); drop.classList.add("over"); });
  }
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    const file = event.dataTransfer.files[0];
    if (file) check(file);
  });
  $("form").addEventListener("submit", (event) => { event.preventDefault(); check(fileInput.files[0]); });
  start();
}
