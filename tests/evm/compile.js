// Compile TestToken.sol with the solc npm package (soljson, nothing downloaded) and
// print {"solc": version, "bytecode": "0x...", "abi": [...]} as JSON.
const fs = require("fs");
const path = require("path");
const solc = require("solc");

const source = fs.readFileSync(path.join(__dirname, "TestToken.sol"), "utf8");
const input = {
  language: "Solidity",
  sources: { "TestToken.sol": { content: source } },
  settings: {
    evmVersion: "shanghai", // ganache 7.9 runs up to Shanghai
    optimizer: { enabled: true, runs: 200 },
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === "error");
if (errors.length) {
  console.error(errors.map((e) => e.formattedMessage).join("\n"));
  process.exit(1);
}
const contract = output.contracts["TestToken.sol"].TestToken;
console.log(JSON.stringify({
  solc: solc.version(),
  bytecode: "0x" + contract.evm.bytecode.object,
  abi: contract.abi,
}));
