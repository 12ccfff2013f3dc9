// Prints every *.tf file of a Terraform folder as JSON: {"files": {"<name>.tf": <hcl2json of that file>}}.
// Used by Pipeline.Tests/Terraform. Usage: node tools/hcl/tf2json.mjs <terraform folder>
// Exit codes: 0 ok, 2 usage or folder problem, 3 a file failed to parse (the message names it).
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "@cdktf/hcl2json";

const folder = process.argv[2];
if (!folder) {
  process.stderr.write("usage: node tf2json.mjs <terraform folder>\n");
  process.exit(2);
}

let names;
try {
  names = (await readdir(folder)).filter((n) => n.endsWith(".tf")).sort();
} catch (error) {
  process.stderr.write(`cannot read folder ${folder}: ${error.message}\n`);
  process.exit(2);
}
if (names.length === 0) {
  process.stderr.write(`no .tf files in ${folder}\n`);
  process.exit(2);
}

const files = {};
for (const name of names) {
  const text = await readFile(path.join(folder, name), "utf8");
  try {
    files[name] = await parse(name, text);
  } catch (error) {
    process.stderr.write(`${name}: ${error.message ?? error}\n`);
    process.exit(3);
  }
}

process.stdout.write(JSON.stringify({ files }));
process.stdout.write("\n");
