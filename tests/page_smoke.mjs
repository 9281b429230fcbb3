// Pyodide in Node on a built site: the same runtime and archives the page loads, no browser.
// Usage: node page_smoke.mjs SITE INCLUSION_FILE UID
// Prints one JSON line: the modules that must be absent, and check_page's result.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [site, inclusionPath, uid] = process.argv.slice(2);
const read = (path) => new Uint8Array(readFileSync(join(site, path)));
const config = JSON.parse(readFileSync(join(site, "config.json"), "utf8"));
const { loadPyodide } = await import(pathToFileURL(join(site, "pyodide", "pyodide.mjs")).href);
const pyodide = await loadPyodide({ indexURL: join(site, "pyodide") + "/", packages: [], stdout: () => {} });
for (const archive of config.python) {
  pyodide.unpackArchive(read(archive), "zip", { extractDir: config.site_packages });
}
const page = pyodide.pyimport("zkpor.verifier.page");
const json = page.check_page_json(
  config.files, config.files.map((name) => read(config.public + name)),
  new Uint8Array(readFileSync(inclusionPath)), uid, Boolean(config.allow_insecure),
);
const find = pyodide.pyimport("importlib.util").find_spec;
const absent = ["eth_utils", "eth_typing", "click", "numpy", "numba"].filter((name) => find(name) === undefined);
console.log(JSON.stringify({ absent, result: JSON.parse(json) }));
