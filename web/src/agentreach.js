// Which agent the player could talk to now: the nearest one drawn within
// reach of the player's own avatar (docs/protocol.md, "Conversations with
// agents": `talk` opens a conversation with an agent within 64 px). While
// there is one, the interact key and the action button talk to it instead
// of acting in the zones.

// The server's reach, in pixels, centre to centre.
export const TALK_REACH_PX = 64;

// entities: the world's entities (world.js), agents among them; pointOf(id):
// where an entity is drawn, { x, y } in px, or null; from: the player's
// own avatar, { x, y } in px. Returns the nearest agent's entity within
// reach, or null.
export function nearestAgent(entities, pointOf, from, reach = TALK_REACH_PX) {
  if (from === null || from === undefined) return null;
  let nearest = null;
  let best = reach;
  for (const entity of entities) {
    if (entity.agent === null || entity.agent === undefined) continue;
    const point = pointOf(entity.id);
    if (point === null || point === undefined) continue;
    const distance = Math.hypot(point.x - from.x, point.y - from.y);
    if (distance <= best) {
      best = distance;
      nearest = entity;
    }
  }
  return nearest;
}
