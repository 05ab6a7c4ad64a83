"""
What ark reports at C{/metrics}, in Prometheus' text format.

Metrics live here, beside nothing else, so every module that counts
something imports the same objects.  Hot paths count in bulk (once per
patch round, not once per client) because each increment takes a lock.
"""

from prometheus_client import Counter, Gauge, Histogram

connectedPlayers = Gauge(
    "ark_connected_players", "Players with a live connection to a room."
)
heldAvatars = Gauge(
    "ark_held_avatars", "Avatars waiting for their disconnected player to come back."
)
rooms = Gauge("ark_rooms", "Rooms open, overflow shards included.")
tickDuration = Histogram(
    "ark_tick_duration_seconds",
    "Time to step every room by one 60 Hz tick.",
    buckets=(0.0005, 0.001, 0.002, 0.004, 0.008, 0.012, 0.016, 0.025, 0.05, 0.1),
)
patchDuration = Histogram(
    "ark_patch_round_duration_seconds",
    "Time to build and send one round of patches to every client.",
    buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.25),
)
ticksBehind = Counter(
    "ark_ticks_caught_up_total",
    "Ticks run late, in a burst, because the loop fell behind.",
)
ticksSkipped = Counter(
    "ark_ticks_skipped_total",
    "Ticks never run because the loop fell more than half a second behind.",
)
messagesIn = Counter(
    "ark_messages_in_total", "Messages received from clients, by type.", ["type"]
)
messagesOut = Counter(
    "ark_messages_out_total", "Messages sent to clients, by type.", ["type"]
)
bytesOut = Counter(
    "ark_bytes_out_total", "Bytes of message payload sent to clients."
)
protocolErrors = Counter(
    "ark_protocol_errors_total", "Client messages refused, by error code.", ["code"]
)
stepsDropped = Counter(
    "ark_steps_dropped_total",
    "Input steps dropped because the player's queue was full.",
)
