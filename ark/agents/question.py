"""
What a brain is given to answer one question, and how it may fail.

A brain (L{ark.interfaces.IAgentBrain}) sees the world only through the
L{Question}: the asker, the conversation so far, the agent's knowledge
and the world tools bound to the asker, which never show anything the
asker could not read for themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, List, Optional

from ark.world.agents import AgentSpec

# Who said a turn of a conversation.
PLAYER = "player"
AGENT = "agent"

# What an OpenAI-compatible endpoint may be asked for, at most, by default.
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_TOKENS = 400


class AgentUnavailable(Exception):
    """
    The brain cannot answer now (its model server is down, it timed out,
    it answered nonsense).  The message is said to the player, as it is:
    it must name what went wrong without a traceback or a secret.
    """


@dataclass(frozen=True)
class Turn:
    """
    One message of the conversation so far.

    @ivar speaker: L{PLAYER} or L{AGENT}.
    """

    speaker: str
    text: str


@dataclass(frozen=True)
class Asker:
    """
    The player who asks: their user id and name.
    """

    userId: int
    name: str


@dataclass(frozen=True)
class BrainSettings:
    """
    What the operator configured for brains (C{twistd ark --agent-llm-…}).

    @ivar reactor: for brains that talk to the network.
    @ivar llmUrl: the base URL of an OpenAI-compatible API, ending in
        C{/v1} (e.g. C{http://127.0.0.1:8000/v1}), or C{None}.
    @ivar llmModel: the model name sent to it.
    @ivar llmKey: the API key (from the environment), or C{None}.
    @ivar timeout: seconds an answer may take, from asking to its end.
    @ivar maxTokens: the most tokens one answer may have.
    """

    reactor: object = None
    llmUrl: Optional[str] = None
    llmModel: str = ""
    llmKey: Optional[str] = None
    timeout: float = DEFAULT_TIMEOUT
    maxTokens: int = DEFAULT_MAX_TOKENS


@dataclass
class Question:
    """
    One question to one agent.

    @ivar text: what the player asked.
    @ivar agent: the L{AgentSpec} of the agent asked: its name, role and
        persona.
    @ivar persona: who the agent is, in a few sentences (the start of its
        knowledge file, or made from its name and role): an LLM's system
        prompt.
    @ivar asker: the L{Asker}.
    @ivar history: the session's recent L{Turn}s, oldest first, the
        question itself not included.
    @ivar tools: the L{ark.agents.tools.WorldTools} bound to the asker.
    @ivar knowledge: the agent's L{ark.agents.knowledge.Knowledge}.
    @ivar settings: the L{BrainSettings}.
    @ivar say: called with each piece of the answer, in order, as soon as
        it is known; the pieces joined are the answer.
    @ivar colleague: the agent of the same map that "ask anyone" would
        send this question to, when it is another: whom to hand it to.
    """

    text: str
    agent: AgentSpec
    persona: str
    asker: Asker
    tools: object
    knowledge: object
    settings: BrainSettings
    say: Callable[[str], None]
    history: List[Turn] = field(default_factory=list)
    colleague: Optional[AgentSpec] = None
