"""
The C{knowledge} brain, every agent's by default: it needs no model
server.  It answers from the world tools its agent is given (where
places and people are, who is online, what was said and who came, how
busy it is) and from the agent's knowledge file, and says plainly when it
does not know, naming the colleague who might.  It never makes anything
up: every sentence it says is a tool's result or a passage of the file.
"""

from __future__ import annotations

import re
from typing import List

from twisted.internet import defer
from twisted.plugin import IPlugin
from zope.interface import implementer

from ark.agents.tools import (
    FIND_PLACE, HEADCOUNTS, LOCATE_PLAYER, RECENT_CHAT, WHO_IS_ONLINE, words)
from ark.interfaces import IAgentBrain

# What a question asks for, by its words (after L{words}: lower case, a
# plural's s taken off).
_ONLINE = {"online", "who", "here", "around", "anyone", "anybody", "everyone", "people"}
_ONLINE_STRONG = {"online", "anyone", "anybody", "everyone"}
_RECENT = {"said", "say", "saying", "happened", "happen", "happening", "recent", "recently",
           "lately", "missed", "miss", "new", "came", "come", "arrived", "arrive", "joined",
           "meeting", "talked", "talk", "summary", "summarise", "summarize", "chat"}
_BUSY = {"busy", "busiest", "crowded", "crowd", "full", "quiet", "quietest", "popular",
         "peak", "topic", "trend", "trending", "headcount", "many", "count", "empty"}
_GREETINGS = {"hi", "hello", "hey", "hallo", "thank", "thanks", "bye", "goodbye", "morning",
              "evening", "cheer", "cheers"}
_FILLER = {"you", "there", "good", "very", "much", "so", "a", "lot", "ok", "okay", "see",
           "how", "are", "is", "it", "going"}

# A passage counts as an answer when it scores at least this share of the
# best one's score (the best is always said).
_SECOND_PASSAGE = 0.8


def _plain(markdown: str) -> str:
    """
    A passage of Markdown as plain chat text: no emphasis marks, list
    bullets as dashes, links as their text.
    """
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"(\*\*|__|`)", "", text)
    text = re.sub(r"^\s*[*+]\s+", "- ", text, flags=re.MULTILINE)
    return text.strip()


def _listed(items: List[str]) -> str:
    if len(items) < 2:
        return "".join(items)
    return "%s and %s" % (", ".join(items[:-1]), items[-1])


def _where(entry: dict, mapName: str) -> str:
    """
    Where a place or player is, as a phrase: C{"north-west of you, about
    12 tiles away"}, or C{"on cafe.tmj"}.
    """
    if entry.get("map") != mapName:
        return "on %s" % (entry["map"],)
    if "direction" in entry:
        if entry["distance_tiles"] <= 1:
            return "right next to you"
        return "%s of you, about %d tiles away" % (entry["direction"], entry["distance_tiles"])
    return "here on %s, at (%d, %d)" % (entry["map"], entry["x"], entry["y"])


@implementer(IPlugin, IAgentBrain)
class KnowledgeBrain:
    name = "knowledge"

    def check(self, settings):
        return []

    @defer.inlineCallbacks
    def answer(self, question):
        tools = question.tools
        allowed = set(tools.allowed)
        asked = set(words(question.text))
        said = False
        if asked and asked <= _GREETINGS | _FILLER and asked & _GREETINGS:
            question.say("Hello %s! " % (question.asker.name,))
            topics = question.agent.topics
            question.say("Ask me about %s." % (_listed(list(topics[:4])),) if topics
                         else "What can I do for you?")
            return
        if LOCATE_PLAYER in allowed:
            for name in (yield tools.playersNamedIn(question.text))[:3]:
                said |= self._player(question, (yield tools.locatePlayer(name)))
        if FIND_PLACE in allowed and not said:
            for place in tools.placesNamedIn(question.text)[:2]:
                said |= self._place(question, tools.findPlace(place))
        if WHO_IS_ONLINE in allowed and not said and asked & _ONLINE and (
                asked & _ONLINE_STRONG or "who" in asked):
            self._online(question, (yield tools.whoIsOnline()))
            said = True
        if RECENT_CHAT in allowed and asked & _RECENT:
            self._recent(question, (yield tools.recentChat()))
            said = True
        if HEADCOUNTS in allowed and asked & _BUSY:
            self._busy(question, (yield tools.headcounts()))
            said = True
        if not said:
            said = self._fromKnowledge(question)
        if not said:
            self._unknown(question)

    def _player(self, question, found: dict) -> bool:
        for player in found["players"]:
            if player["you"]:
                question.say("That's you, %s! " % (player["name"],))
            elif player.get("private"):
                question.say("%s is online, in a private area. " % (player["name"],))
            elif player.get("elsewhere"):
                # Served by another node: no position to give, and on this
                # map, another room of it.
                zone = " in the %s" % (player["zone"],) if player.get("zone") else ""
                room = (" (in another room of it)" if player["map"] == question.tools.mapName
                        else "")
                question.say("%s is on %s%s%s. " % (player["name"], player["map"], room, zone))
            else:
                zone = " in the %s" % (player["zone"],) if player.get("zone") else ""
                question.say("%s is%s, %s. " % (player["name"], zone,
                                                 _where(player, question.tools.mapName)))
        return bool(found["players"])

    def _place(self, question, found: dict) -> bool:
        places = found["places"]
        if not places:
            return False
        first = places[0]
        question.say("The %s is %s. " % (first["place"], _where(first, question.tools.mapName)))
        people = first["people"]
        question.say("Nobody is there right now. " if not people else
                     "%d %s there now. " % (people, "person is" if people == 1 else "people are"))
        if question.tools.guidance is not None:
            question.say("I've marked the way on your map: follow the dotted line. ")
        return True

    def _online(self, question, online: dict) -> None:
        players = online["players"]
        if not online["count"]:
            question.say("Nobody is online right now. ")
            return
        shown = []
        for player in players:
            name = "you" if player["you"] else player["name"]
            if player.get("zone"):
                name += " (%s)" % (player["zone"],)
            elif player["map"] != question.tools.mapName:
                name += " (on %s)" % (player["map"],)
            shown.append(name)
        more = online["count"] - len(players)
        question.say("%d %s online: %s%s. " % (
            online["count"], "player is" if online["count"] == 1 else "players are",
            _listed(shown), " and %d more" % (more,) if more > 0 else ""))
        if online.get("partial"):
            question.say("I cannot see the world's other servers just now, so there may be "
                         "more. ")

    def _recent(self, question, recent: dict) -> None:
        messages = recent["messages"]
        if messages:
            question.say("Lately, in the conversations you could read: ")
            for message in messages[:8]:
                question.say('%s said %s at %s: "%s". ' % (
                    message["from"], message["where"], message["at"], message["text"]))
        else:
            question.say("I know of nothing said lately in the conversations you could read. ")
        if recent["arrivals"]:
            question.say("Came into the world: %s. " % (_listed(
                ["%s at %s" % (a["name"], a["at"]) for a in recent["arrivals"][:8]]),))
        if recent["meetings"]:
            question.say("Meetings: %s. " % (_listed(
                ["the %s at %s with %s" % (m["place"], m["at"], _listed(m["who"]))
                 for m in recent["meetings"][:5]]),))
        elif recent["arrivals"] or messages:
            question.say("No meeting was held today. ")

    def _busy(self, question, counts: dict) -> None:
        rooms = [r for r in counts["rooms"] if r["players"]]
        if rooms:
            question.say("Busiest now: %s. " % (_listed(
                ["%s with %d" % (r["room"], r["players"]) for r in rooms[:4]]),))
        else:
            question.say("Nobody is in any room right now. ")
        if counts["zones"]:
            question.say("In areas: %s. " % (_listed(
                ["the %s %d" % (z["zone"], z["players"]) for z in counts["zones"][:5]]),))
        peak = counts["peak_today"]
        if peak is not None:
            question.say("The most at once in the last day: %d at %s. " % (peak["players"],
                                                                          peak["at"]))
        if counts["topics"]:
            question.say("People around you have been talking about %s. "
                         % (_listed(counts["topics"]),))

    def _fromKnowledge(self, question) -> bool:
        passages = question.knowledge.search(question.text, 2)
        if not passages:
            return False
        best = passages[0]
        question.say("%s: " % (best.heading,))
        question.say(_plain(best.text))
        for other in passages[1:]:
            if other.score >= _SECOND_PASSAGE * best.score:
                question.say("\n\n%s: %s" % (other.heading, _plain(other.text)))
        return True

    def _unknown(self, question) -> None:
        question.say("I don't know that, and I won't guess. ")
        colleague = question.colleague
        if colleague is not None:
            role = ", %s," % (colleague.role,) if colleague.role else ""
            question.say("%s%s may know: ask them." % (colleague.name, role))


brain = KnowledgeBrain()
