// An independent check of an Ethos certificate, written against the npm package `jose` and
// Node's own zlib and Buffer (nothing from Ethos). Reads JSON on stdin:
//   {"jwks": {...}, "credential": "<jwt>", "statusLists": {"revocation": "<jwt>", ...}, "now": <unix s>}
// Prints JSON: for the credential and each list, {ok, error?, payload?}, and for each status
// entry the bit the independent decoder reads.
import { createLocalJWKSet, jwtVerify } from "jose";
import { gunzipSync } from "node:zlib";

const input = JSON.parse(await new Promise((resolve) => {
  let text = "";
  process.stdin.on("data", (chunk) => (text += chunk));
  process.stdin.on("end", () => resolve(text));
}));

const keys = createLocalJWKSet(input.jwks);
const options = {
  typ: "vc+jwt",
  algorithms: ["Ed25519", "EdDSA"],
  currentDate: input.now ? new Date(input.now * 1000) : undefined,
};

async function check(token) {
  try {
    const { payload, protectedHeader } = await jwtVerify(token, keys, options);
    return { ok: true, payload, header: protectedHeader };
  } catch (error) {
    return { ok: false, error: error.code || String(error) };
  }
}

function bitAt(encodedList, index) {
  if (!encodedList.startsWith("u")) throw new Error("not multibase base64url");
  const bits = gunzipSync(Buffer.from(encodedList.slice(1), "base64url"));
  // The first index is the leftmost bit of the first byte.
  return { bit: (bits[Math.floor(index / 8)] >> (7 - (index % 8))) & 1, length: bits.length * 8 };
}

const result = { credential: await check(input.credential), lists: {}, bits: {} };
for (const [purpose, token] of Object.entries(input.statusLists || {})) {
  result.lists[purpose] = await check(token);
}
if (result.credential.ok) {
  for (const entry of result.credential.payload.credentialStatus || []) {
    const list = result.lists[entry.statusPurpose];
    if (list && list.ok && list.payload.id === entry.statusListCredential) {
      result.bits[entry.statusPurpose] = bitAt(list.payload.credentialSubject.encodedList, Number(entry.statusListIndex));
    }
  }
}
process.stdout.write(JSON.stringify(result));
