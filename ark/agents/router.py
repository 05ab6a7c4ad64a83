"""
"Ask anyone": which of a map's agents is best placed to answer a question.

The question is ranked with BM25 (L{ark.agents.knowledge.Ranker})
against what each agent's definition says it answers about (its
C{topics} and role); when it shares no word with any, against the agents'
knowledge files.  When it shares none with those either, the map's
fallback agent takes it: the one whose definition says C{fallback}, else
the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Sequence

from ark.agents.knowledge import Knowledge, Ranker, tokens
from ark.world.agents import AgentSpec

@dataclass(frozen=True)
class Route:
    """
    The agent chosen, and why, for the player.
    """

    agent: AgentSpec
    reason: str


class Router:
    """
    Routes questions among one map's agents.

    @param agents: the map's L{AgentSpec}s, in map order.
    @param knowledge: each agent's L{Knowledge}, by agent id.
    """

    def __init__(self, agents: Sequence[AgentSpec], knowledge: Dict[str, Knowledge]):
        self.agents = list(agents)
        self.fallback = next((agent for agent in self.agents if agent.fallback),
                             self.agents[0] if self.agents else None)
        self._byTopic = Ranker([" ".join(agent.topics) + "\n" + agent.role
                                for agent in self.agents])
        documents = []
        for agent in self.agents:
            known = knowledge.get(agent.agentId)
            passages = known.passages if known is not None else ()
            documents.append("\n".join(p.heading + " " + p.text for p in passages))
        self._byKnowledge = Ranker(documents)

    def route(self, question: str) -> Route:
        """
        Choose the agent for C{question}.

        @raise LookupError: when the map has no agents.
        """
        if self.fallback is None:
            raise LookupError("no agents")
        ranked = self._byTopic.rank(question, 1) or self._byKnowledge.rank(question, 1)
        if not ranked:
            agent = self.fallback
            return Route(agent, "%s welcomes every question that no one here knows about in "
                                "particular." % (_called(agent),))
        agent = self.agents[ranked[0][0]]
        asked = set(tokens([question])[0])
        shared = [topic for topic, words in zip(agent.topics, _split(agent.topics))
                  if asked & set(words)]
        if shared:
            return Route(agent, "%s knows about %s." % (_called(agent), ", ".join(shared[:3])))
        return Route(agent, "%s knows the most about this." % (_called(agent),))


def _split(topics: Sequence[str]):
    return [tokens([topic])[0] for topic in topics]


def _called(agent: AgentSpec) -> str:
    return "%s, %s," % (agent.name, agent.role) if agent.role else agent.name
