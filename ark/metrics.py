"""
What ark reports at C{/metrics}, in Prometheus' text format.

Metrics live here, beside nothing else, so every module that counts
something imports the same objects.  Counters bumped for every message are
plain integers read by a collector when Prometheus scrapes: a
prometheus_client counter takes a lock per increment, which at tens of
thousands of messages a second is a measurable share of a core.
"""

from collections import Counter as _Tally

from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily

connectedPlayers = Gauge(
    "ark_connected_players", "Players with a live connection to a room."
)
heldAvatars = Gauge(
    "ark_held_avatars", "Avatars waiting for their disconnected player to come back."
)
rooms = Gauge("ark_rooms", "Rooms open, overflow shards included.")
conversations = Gauge(
    "ark_conversations", "Pairs of players talking by voice and video (or being asked to)."
)
tickDuration = Histogram(
    "ark_tick_duration_seconds",
    "Time to step every room by one 60 Hz tick and send the patches due.",
    buckets=(0.0005, 0.001, 0.002, 0.004, 0.006, 0.008, 0.010, 0.012, 0.014, 0.016,
             0.020, 0.025, 0.05, 0.1),
)
ticksBehind = Counter(
    "ark_ticks_caught_up_total",
    "Ticks run late, in a burst, because the loop fell behind.",
)
ticksSkipped = Counter(
    "ark_ticks_skipped_total",
    "Ticks never run because the loop fell more than half a second behind.",
)
class Traffic:
    """
    Message counts by type, bytes sent, input steps dropped (queue full)
    and refused (input rate), and input underruns: bump these attributes
    directly.

    Every message sent to a client is counted once in C{messagesOut} and
    C{bytesOut}, by what sends it: the session for its own messages, the
    simulation loop for the patches each tick sent, the room view for zone
    effects.
    """

    def __init__(self):
        self.messagesIn = _Tally()
        self.messagesOut = _Tally()
        self.bytesOut = 0
        self.stepsDropped = 0
        self.stepsRateLimited = 0
        self.inputUnderruns = 0


traffic = Traffic()


class _MessageCollector:
    """
    Exposes L{traffic} as Prometheus counters.
    """

    def collect(self):
        received = CounterMetricFamily(
            "ark_messages_in", "Messages received from clients, by type.", labels=["type"])
        for kind, count in traffic.messagesIn.items():
            received.add_metric([kind], count)
        yield received
        sent = CounterMetricFamily(
            "ark_messages_out", "Messages sent to clients, by type.", labels=["type"])
        for kind, count in traffic.messagesOut.items():
            sent.add_metric([kind], count)
        yield sent
        yield CounterMetricFamily(
            "ark_bytes_out", "Bytes of message payload sent to clients.", value=traffic.bytesOut)
        yield CounterMetricFamily(
            "ark_steps_dropped",
            "Input steps dropped because the player's queue was full.",
            value=traffic.stepsDropped)
        yield CounterMetricFamily(
            "ark_steps_rate_limited",
            "Input steps refused because the player sent more a second than --input-rate "
            "allows.",
            value=traffic.stepsRateLimited)
        yield CounterMetricFamily(
            "ark_input_underruns",
            "Ticks where a moving avatar had no input step waiting: its player "
            "stopped, or the input arrived late (jitter).",
            value=traffic.inputUnderruns)


REGISTRY.register(_MessageCollector())

protocolErrors = Counter(
    "ark_protocol_errors_total", "Client messages refused, by error code.", ["code"]
)

agentAnswers = Counter(
    "ark_agent_answers_total",
    "Answers agents gave, by brain and outcome: answered, unavailable (the brain said it "
    "could not: its model server down or slow), timeout, failed (a fault of ours).",
    ["brain", "outcome"],
)
agentAnswerDuration = Histogram(
    "ark_agent_answer_duration_seconds",
    "From an agent taking up a question (its turn came) to the whole answer.",
    ["brain"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60),
)
