// The verifier's thread: starts Pyodide from this site's pyodide/ folder, unpacks the
// Python archives listed in config.json (py_ecc and zkpor's verifier, nothing else) and
// calls zkpor.verifier.page.check_page_json, the page's one entry point. It runs in a
// worker so the page stays responsive while the pairing check runs.

import { loadPyodide } from "./pyodide/pyodide.mjs";

const say = (text) => postMessage({ type: "progress", text });

async function bytes(path) {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

function oneLine(err) {
  const lines = String(err && err.message ? err.message : err).trim().split("\n");
  return lines[lines.length - 1];
}

const ready = (async () => {
  const config = await (await fetch("config.json")).json();
  say("loading the Python runtime (Pyodide)");
  const pyodide = await loadPyodide({
    indexURL: new URL("pyodide/", import.meta.url).href,
    packages: [],
    stdout: () => {},
  });
  say("loading zkpor's verifier");
  for (const archive of config.python) {
    pyodide.unpackArchive(await bytes(archive), "zip", { extractDir: config.site_packages });
  }
  const blobs = [];
  for (const name of config.files) blobs.push(await bytes(config.public + name));
  const page = pyodide.pyimport("zkpor.verifier.page");
  postMessage({ type: "ready" });
  return { config, blobs, page };
})();

onmessage = async ({ data }) => {
  if (data.type !== "check") return;
  try {
    const { config, blobs, page } = await ready;
    const json = page.check_page_json(
      config.files, blobs, data.inclusion, data.uid, Boolean(config.allow_insecure), say,
    );
    postMessage({ type: "result", json });
  } catch (err) {
    postMessage({ type: "error", text: `the verifier could not run: ${oneLine(err)}` });
  }
};

ready.catch((err) => postMessage({ type: "error", text: `the verifier could not start: ${oneLine(err)}` }));
