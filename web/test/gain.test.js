// How loud a partner is heard: the gain rule exactly as the server's
// vectors have it (tests/vectors/proximity.json), and when a new gain is
// worth a ramp.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { DEFAULT_TALK_RULES, GAIN_EPSILON, distanceBetween, gainChanged, proximityGain } from "../src/gain.js";

const vectorsPath = fileURLToPath(new URL("../../tests/vectors/proximity.json", import.meta.url));
const { cases } = JSON.parse(readFileSync(vectorsPath, "utf8"));

test("every vector's gain, within 1e-9", () => {
  assert.ok(cases.length > 10);
  for (const { full, silence, distance, gain } of cases) {
    const got = proximityGain(distance, { full, silence });
    assert.ok(Math.abs(got - gain) <= 1e-9, `full ${full}, silence ${silence}, distance ${distance}: ${got} ≠ ${gain}`);
  }
});

test("full volume near, silence far, and no jump at either edge", () => {
  const rules = DEFAULT_TALK_RULES;
  assert.equal(proximityGain(0, rules), 1);
  assert.equal(proximityGain(rules.full, rules), 1);
  assert.equal(proximityGain(rules.silence, rules), 0);
  assert.equal(proximityGain(10000, rules), 0);
  assert.ok(1 - proximityGain(rules.full + 0.01, rules) < 1e-6);
  assert.ok(proximityGain(rules.silence - 0.01, rules) < 1e-6);
  let before = 1;
  for (let distance = rules.full; distance <= rules.silence; distance += 1) {
    const gain = proximityGain(distance, rules);
    assert.ok(gain <= before, "walking away never gets louder");
    before = gain;
  }
});

test("distances are between the feet, in pixels", () => {
  assert.equal(distanceBetween({ x: 10, y: 20 }, { x: 40, y: 60 }), 50);
});

test("a new gain is set when the ear could tell, and always to reach silence or full", () => {
  assert.equal(gainChanged(null, 0), true, "the first gain is always set");
  assert.equal(gainChanged(0.5, 0.5 + GAIN_EPSILON / 2), false);
  assert.equal(gainChanged(0.5, 0.5 + GAIN_EPSILON), true);
  assert.equal(gainChanged(0.001, 0), true, "silence is silent");
  assert.equal(gainChanged(0.999, 1), true);
  assert.equal(gainChanged(0, 0), false);
});
