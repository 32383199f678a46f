// Verifies rootwatch's signed deliveries with the npm package `standardwebhooks`, an
// implementation of Standard Webhooks that is not ours (installed by the tests' set-up from the
// npm registry, never copied here).
//
//   node verify_standardwebhooks.mjs <npm prefix> <deliveries.json>
//
// deliveries.json: {"secrets": ["whsec_…", …], "deliveries": [{"body": "…", "headers": {…}}, …]}.
// Every delivery must verify with EACH secret, and must fail to verify once its body is changed
// by one character. Prints one line per check; exits 0 only when all of them went as expected.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";

const [prefix, input] = process.argv.slice(2);
if (!prefix || !input) {
  console.error("usage: verify_standardwebhooks.mjs <npm prefix> <deliveries.json>");
  process.exit(2);
}
const require = createRequire(path.resolve(prefix) + "/");
let Webhook;
try {
  ({ Webhook } = require("standardwebhooks"));
} catch (e) {
  console.error(`cannot load the npm package standardwebhooks under ${prefix}: ${e.message}`);
  process.exit(2);
}

const { secrets, deliveries } = JSON.parse(readFileSync(input, "utf8"));
if (!secrets.length || !deliveries.length) {
  console.error("nothing to verify");
  process.exit(2);
}
let failures = 0;
deliveries.forEach((d, n) => {
  secrets.forEach((secret, k) => {
    const hook = new Webhook(secret);
    try {
      hook.verify(d.body, d.headers);
      console.log(`delivery ${n} secret ${k}: verified`);
    } catch (e) {
      failures++;
      console.log(`delivery ${n} secret ${k}: NOT verified: ${e.message}`);
    }
    // The last character flipped: a signature that still verifies checks nothing.
    const last = d.body.at(-1);
    const tampered = d.body.slice(0, -1) + (last === "}" ? " " : "}");
    try {
      hook.verify(tampered, d.headers);
      failures++;
      console.log(`delivery ${n} secret ${k}: tampered body VERIFIED`);
    } catch (e) {
      console.log(`delivery ${n} secret ${k}: tampered body refused`);
    }
  });
});
console.log(failures === 0 ? "all verified" : `${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
