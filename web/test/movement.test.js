// The JavaScript movement rule against the vectors the Python rule made.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import * as movement from "../src/movement.js";

const vectorsPath = fileURLToPath(new URL("../../tests/vectors/movement.json", import.meta.url));
const vectors = JSON.parse(readFileSync(vectorsPath, "utf8"));

function obstaclesFromRows(rows, tileWidth, tileHeight) {
  const isBlocked = (column, row) =>
    row < 0 || column < 0 || row >= rows.length || column >= rows[0].length ||
    rows[row][column] === "#";
  return new movement.Obstacles(isBlocked, tileWidth, tileHeight);
}

test("the vectors use the same units and body", () => {
  assert.equal(vectors.unitsPerPixel, movement.UNITS_PER_PIXEL);
  assert.equal(vectors.body.halfWidth, movement.BODY_HALF_WIDTH);
  assert.equal(vectors.body.halfHeight, movement.BODY_HALF_HEIGHT);
  assert.ok(vectors.cases.length > 20);
});

for (const vector of vectors.cases) {
  test(`every step matches the Python rule: ${vector.name}`, () => {
    const obstacles = obstaclesFromRows(vector.rows, vector.tileWidth, vector.tileHeight);
    const [x, y, facing] = vector.start;
    let body = { x, y, facing, state: movement.IDLE };
    vector.steps.forEach((bits, index) => {
      body = movement.step(body, bits, obstacles);
      assert.deepEqual(
        [body.x, body.y, body.facing, body.state],
        vector.expected[index],
        `step ${index}`,
      );
    });
  });
}
