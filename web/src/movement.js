// The movement rule: how one fixed 60 Hz step of input moves a body.
//
// A port of ark/world/movement.py that must agree with it bit for bit:
// web/test/movement.test.js replays tests/vectors/movement.json, which the
// Python rule generated. Positions are integers in units of 1/60 px, and
// every operation below is exact on integers far beyond any map's size, so
// the browser predicts its own avatar, and replays everyone else's
// motions, exactly as the server moves them.

export const TICK_RATE = 60;
export const UNITS_PER_PIXEL = 60;

export const WALK_SPEED = 160;
export const RUN_SPEED = 240;
// round(speed / sqrt(2)): the same speed on diagonals, without floats.
export const WALK_DIAGONAL = 113;
export const RUN_DIAGONAL = 170;

export const BODY_HALF_WIDTH = 8 * UNITS_PER_PIXEL;
export const BODY_HALF_HEIGHT = 4 * UNITS_PER_PIXEL;

export const LEFT = 1;
export const RIGHT = 2;
export const UP = 4;
export const DOWN = 8;
export const RUN = 16;

export const FACING_DOWN = 0;
export const FACING_LEFT = 1;
export const FACING_RIGHT = 2;
export const FACING_UP = 3;

export const IDLE = 0;
export const WALK = 1;
export const RUN_STATE = 2;

// Python's // on integers: the floor of the quotient. Math.floor of the
// float quotient is exact here, as both operands stay far below 2**31.
const floorDiv = (a, b) => Math.floor(a / b);

export function velocity(bits) {
  const horizontal = (bits & RIGHT ? 1 : 0) - (bits & LEFT ? 1 : 0);
  const vertical = (bits & DOWN ? 1 : 0) - (bits & UP ? 1 : 0);
  const running = (bits & RUN) !== 0;
  let speed;
  if (horizontal && vertical) {
    speed = running ? RUN_DIAGONAL : WALK_DIAGONAL;
  } else {
    speed = running ? RUN_SPEED : WALK_SPEED;
  }
  return [horizontal * speed, vertical * speed];
}

export function facingFor(dx, dy, previous) {
  if (dx > 0) return FACING_RIGHT;
  if (dx < 0) return FACING_LEFT;
  if (dy > 0) return FACING_DOWN;
  if (dy < 0) return FACING_UP;
  return previous;
}

// The blocked tiles of a map, in units. isBlocked(column, row) must answer
// true outside the map, so its edge is a wall.
export class Obstacles {
  constructor(isBlocked, tileWidth, tileHeight) {
    this.isBlocked = isBlocked;
    this.tileWidth = tileWidth * UNITS_PER_PIXEL;
    this.tileHeight = tileHeight * UNITS_PER_PIXEL;
  }

  columnBlocked(column, y) {
    const top = floorDiv(y - BODY_HALF_HEIGHT, this.tileHeight);
    const bottom = floorDiv(y + BODY_HALF_HEIGHT - 1, this.tileHeight);
    for (let row = top; row <= bottom; row++) {
      if (this.isBlocked(column, row)) return true;
    }
    return false;
  }

  rowBlocked(row, x) {
    const left = floorDiv(x - BODY_HALF_WIDTH, this.tileWidth);
    const right = floorDiv(x + BODY_HALF_WIDTH - 1, this.tileWidth);
    for (let column = left; column <= right; column++) {
      if (this.isBlocked(column, row)) return true;
    }
    return false;
  }
}

// Move along one axis from position by delta, through lines (columns or
// rows) size units apart, stopping flush against the first blocked one.
function sweep(position, delta, half, size, lineBlocked) {
  if (delta > 0) {
    const edge = position + half - 1;
    const first = floorDiv(edge, size) + 1;
    const last = floorDiv(edge + delta, size);
    for (let line = first; line <= last; line++) {
      if (lineBlocked(line)) return line * size - half;
    }
  } else if (delta < 0) {
    const edge = position - half;
    const first = floorDiv(edge, size) - 1;
    const last = floorDiv(edge + delta, size);
    for (let line = first; line >= last; line--) {
      if (lineBlocked(line)) return (line + 1) * size + half;
    }
  }
  return position + delta;
}

// Apply one fixed step of input bits to body {x, y, facing, state}; return
// the new body. Its state is IDLE when it did not move.
export function step(body, bits, obstacles) {
  const [dx, dy] = velocity(bits);
  const facing = facingFor(dx, dy, body.facing);
  const x = sweep(body.x, dx, BODY_HALF_WIDTH, obstacles.tileWidth,
    (column) => obstacles.columnBlocked(column, body.y));
  const y = sweep(body.y, dy, BODY_HALF_HEIGHT, obstacles.tileHeight,
    (row) => obstacles.rowBlocked(row, x));
  let state;
  if (x === body.x && y === body.y) {
    state = IDLE;
  } else {
    state = bits & RUN ? RUN_STATE : WALK;
  }
  return { x, y, facing, state };
}
