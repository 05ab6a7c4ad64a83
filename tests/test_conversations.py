"""
Tests for conversations with agents (L{ark.agents.conversations}), on the
bundled town with its six agents and their knowledge files, a real store,
and the bundled brains: walking up and talking, asking and hearing the
reply stream in, sessions stored and restored, several players at once,
"ask anyone", each agent's concurrency, and brains that fail.
"""

from __future__ import annotations

import dataclasses

from twisted.internet import defer, endpoints, protocol, reactor
from twisted.plugin import IPlugin
from twisted.trial.unittest import SynchronousTestCase, TestCase
from zope.interface import implementer

from ark.agents.conversations import BUBBLE_RADIUS, LEAVE_DISTANCE
from ark.agents.question import AgentUnavailable, BrainSettings
from ark.app import resources
from ark.interfaces import IAgentBrain
from ark.maps.repository import loadRepository
from ark.world import movement
from ark.world.agents import IDLE, LISTENING, TALKING, THINKING
from ark.world.movement import Body

from tests.backends import SQLiteBackend
from tests.support import Harness

UNITS = movement.UNITS_PER_PIXEL

_TOWN = None


def town():
    """
    The bundled maps, read once.
    """
    global _TOWN
    if _TOWN is None:
        maps, problems = loadRepository(resources.bundled("maps"), "town.tmj")
        assert not problems, problems
        _TOWN = maps
    return _TOWN


def agentHome(agentId):
    [spec] = [a for a in town()["town.tmj"].agents if a.agentId == agentId]
    return spec.home


def standAt(client, x, y):
    """
    Put the client's avatar at C{(x, y)} pixels.
    """
    seat = client.session.seat
    seat.room.teleport(seat.avatar, Body(movement.toUnits(x), movement.toUnits(y)))


@implementer(IPlugin, IAgentBrain)
class HeldBrain:
    """
    A brain whose answers the test gives: each question waits in
    C{questions} with the Deferred that ends it.
    """

    name = "knowledge"

    def __init__(self):
        self.questions = []

    def check(self, settings):
        return []

    def answer(self, question):
        done = defer.Deferred()
        self.questions.append((question, done))
        return done


class TownTestCase(SQLiteBackend, TestCase):
    """
    The town on a real store, with conversations answered by C{brains}.
    """

    brains = None
    settings = None
    concurrency = {}

    def maps(self):
        return town()

    @defer.inlineCallbacks
    def setUp(self):
        self.setUpDatabase()
        self.store = yield self.startStore()
        self.harness = Harness(self.maps(), defaultMap="town.tmj", store=self.store, seed=3)
        self.agents = self.harness.withAgents(self.brains, self.settings, **self.concurrency)
        self.addCleanup(self.agents.stopService)
        self.room = self.harness.rooms.shardsOf("town.tmj")[0].room

    @defer.inlineCallbacks
    def player(self, name, near="scout", dx=40, dy=0):
        """
        A player who has joined the town, standing C{dx}, C{dy} px from
        the agent C{near}'s home.
        """
        user = yield self.store.createUser(name, "fox", 1000)
        self.harness._users[name] = user["id"]
        client = self.harness.connect()
        welcomed = client.next("welcome")
        client.join(name, map="town.tmj")
        yield welcomed
        x, y = agentHome(near)
        standAt(client, x + dx, y + dy)
        client.userId = user["id"]
        return client

    @defer.inlineCallbacks
    def talk(self, client, agentId="scout"):
        talking = client.next("talking")
        client.sendMessage({"t": "talk", "agent": agentId})
        answer = yield talking
        return answer

    @defer.inlineCallbacks
    def ask(self, client, text, agentId="scout", ref=1):
        """
        Ask, and wait for the whole reply.

        @return: C{(asked, reply)}, reply the C{chat} message.
        """
        asked = client.next("asked")
        replied = client.next("chat")
        message = {"t": "ask", "ref": ref, "text": text}
        if agentId is not None:
            message["agent"] = agentId
        client.sendMessage(message)
        asked = yield asked
        self.assertNotIn("error", asked)
        reply = yield replied
        return asked, reply

    def agent(self, agentId="scout"):
        return self.room.agentById(agentId)


class TalkingTests(TownTestCase):
    """
    Walking up to an agent and talking with it.
    """

    @defer.inlineCallbacks
    def test_talkingOpensASessionThatBeginsWithAnIntroduction(self):
        """
        Within reach, C{talk} opens the player's session with the agent:
        the agent introduces itself there once, stops and listens to the
        player, facing them.
        """
        ada = yield self.player("Ada", dx=-40)
        introduced = ada.next("chat")
        talking = yield self.talk(ada)
        self.assertEqual((talking["open"], talking["agent"], talking["name"], talking["role"]),
                         (True, "scout", "Scout", "the guide"))
        intro = yield introduced
        self.assertEqual((intro["kind"], intro["session"], intro["from"]),
                         ("agent", talking["session"],
                          {"agent": "scout", "name": "Scout", "avatar": "explorer"}))
        self.assertIn("Hello Ada! I'm Scout, the guide.", intro["text"])
        scout = self.agent()
        self.assertEqual((scout.agent.state, scout.agent.withId),
                         (LISTENING, ada.session.seat.avatar.entityId))
        self.assertEqual(scout.body.facing, movement.FACING_LEFT)

        # Talking again opens the same session, without another introduction.
        again = yield self.talk(ada)
        self.assertEqual(again["session"], talking["session"])
        messages, more = yield self.store.messages(talking["session"], None, 10)
        self.assertEqual(len(messages), 1)

    @defer.inlineCallbacks
    def test_tooFarOrNoSuchAgent(self):
        """
        An agent more than 64 px away, or not in the room, is not talked
        to; the player is told why, and the agent goes on wandering.
        """
        ada = yield self.player("Ada", dx=120)
        talking = yield self.talk(ada)
        self.assertEqual(talking["error"], "too_far")
        self.assertIn("Scout", talking["message"])
        talking = yield self.talk(ada, "nobody")
        self.assertEqual((talking["agent"], talking["error"]), ("nobody", "unknown_agent"))
        self.assertEqual(self.agent().agent.state, IDLE)
        self.assertEqual(ada.errors(), [])

    @defer.inlineCallbacks
    def test_theAgentsZoneIsWithinReach(self):
        """
        Standing in the agents' corner (its C{agentId} is Scout's) is
        reach enough, however far Scout stands in it.
        """
        ada = yield self.player("Ada", dx=0, dy=0)
        standAt(ada, 100, 620)
        self.room.teleport(self.agent(), Body(movement.toUnits(176), movement.toUnits(520)))
        talking = yield self.talk(ada)
        self.assertTrue(talking["open"])

    @defer.inlineCallbacks
    def test_walkingAwayClosesTheConversation(self):
        """
        Once the player is more than 128 px from the agent, the
        conversation closes: the client hears so and the agent is idle.
        """
        ada = yield self.player("Ada")
        yield self.talk(ada)
        x, y = agentHome("scout")
        standAt(ada, x + LEAVE_DISTANCE - 8, y)
        self.harness.clock.advance(1.0)
        self.assertEqual(ada.last("talking")["open"], True)
        standAt(ada, x + LEAVE_DISTANCE + 8, y)
        self.harness.clock.advance(1.0)
        self.assertEqual(ada.last("talking"), {"t": "talking", "agent": "scout", "open": False})
        self.assertEqual(self.agent().agent.state, IDLE)

    @defer.inlineCallbacks
    def test_leavingTheWorldClosesTheConversation(self):
        ada = yield self.player("Ada")
        yield self.talk(ada)
        ada.drop()
        self.assertEqual(self.agent().agent.state, IDLE)


class AskingTests(TownTestCase):
    """
    Asking agents, with the bundled knowledge brain.
    """

    @defer.inlineCallbacks
    def test_scoutSaysWhereTheLibraryIsAndShowsTheWay(self):
        """
        Asked where the library is, Scout's reply streams in piece by piece,
        names the library and where it is from the player, and comes with
        a way there: waypoints on walkable tiles from the player's avatar
        into the library.
        """
        ada = yield self.player("Ada")
        talking = yield self.talk(ada)
        asked, reply = yield self.ask(ada, "Where is the library?")
        self.assertEqual((asked["agent"], asked["session"], asked["text"]),
                         ("scout", talking["session"], "Where is the library?"))
        pieces = [m for m in ada.messages("reply")]
        self.assertGreater(len(pieces), 1)
        self.assertEqual({(p["session"], p["agent"]) for p in pieces},
                         {(talking["session"], "scout")})
        self.assertEqual("".join(p["piece"] for p in pieces).strip(), reply["text"])
        self.assertIn("The library is north", reply["text"])
        self.assertIn("marked the way", reply["text"])
        guide = reply["guide"]
        self.assertEqual((guide["place"], guide["map"]), ("library", "town.tmj"))
        worldMap = town()["town.tmj"]
        [library] = [z for z in worldMap.zones if z.name == "library"]
        seat = ada.session.seat
        self.assertEqual(guide["path"][0], [round(seat.avatar.body.x / UNITS),
                                            round(seat.avatar.body.y / UNITS)])
        self.assertTrue(library.contains(*guide["path"][-1]))
        for x, y in guide["path"][1:]:
            self.assertFalse(worldMap.isBlocked(x // 32, y // 32), (x, y))

    @defer.inlineCallbacks
    def test_scoutPlacesPlayersOfOtherNodesByMapAndZone(self):
        """
        Players on other nodes, as their nodes said at their last beat:
        Scout says on which map and in which zone, and for one in a town
        room of another node, that it is another room of the town; of one
        in a private area, only that they are online.
        """
        class Directory:
            def elsewhere(self):
                return defer.succeed([
                    {"id": 90, "name": "Zed", "map": "cafe.tmj", "zone": "bar_counter"},
                    {"id": 91, "name": "Yves", "map": "town.tmj", "zone": "library"},
                    {"id": 92, "name": "Xena", "map": "town.tmj", "private": True}])

        self.agents.world.directory = Directory()
        ada = yield self.player("Ada")
        yield self.talk(ada)
        _, reply = yield self.ask(ada, "Where is Zed?")
        self.assertIn("Zed is on cafe.tmj in the bar counter.", reply["text"])
        _, reply = yield self.ask(ada, "And Yves, and Xena?", ref=2)
        self.assertIn("Yves is on town.tmj (in another room of it) in the library.", reply["text"])
        self.assertIn("Xena is online, in a private area.", reply["text"])

    @defer.inlineCallbacks
    def test_conversationIsStoredAndRestoredPageByPage(self):
        """
        The question and the reply are stored in the player's agent
        session, which their session list names by its agent; a new
        connection (a refresh) finds it all, and pages back through it.
        """
        ada = yield self.player("Ada")
        talking = yield self.talk(ada)
        yield self.ask(ada, "Where is the library?")
        yield self.ask(ada, "Who is online?", ref=2)
        ada.drop()
        [session] = [s for s in (yield self.store.sessionsOf(ada.userId))
                     if s["kind"] == "agent"]
        self.assertEqual((session["id"], session["agent"], session["title"]),
                         (talking["session"], "scout", "Scout"))
        newest, more = yield self.store.messages(session["id"], None, 2)
        self.assertTrue(more)
        self.assertEqual(newest[0]["text"], "Who is online?")
        self.assertEqual(newest[0]["from"]["name"], "Ada")
        self.assertIn("1 player is online: you", newest[1]["text"])
        self.assertEqual(newest[1]["from"]["agent"], "scout")
        older, more = yield self.store.messages(session["id"], newest[0]["id"], 10)
        self.assertFalse(more)
        self.assertEqual([m["text"][:18] for m in older][1:],
                         ["Where is the libra", "The library is nor"])

    @defer.inlineCallbacks
    def test_severalPlayersTalkToOneAgentEachInTheirOwnSession(self):
        ada = yield self.player("Ada", dx=-40)
        bob = yield self.player("Bob", dx=40)
        adaTalking = yield self.talk(ada)
        bobTalking = yield self.talk(bob)
        self.assertNotEqual(adaTalking["session"], bobTalking["session"])
        (_, adaReply), (_, bobReply) = yield defer.gatherResults([
            self.ask(ada, "Where is the lounge?"), self.ask(bob, "Where is the library?")])
        self.assertIn("lounge", adaReply["text"])
        self.assertIn("library", bobReply["text"])
        self.assertEqual((adaReply["session"], bobReply["session"]),
                         (adaTalking["session"], bobTalking["session"]))
        self.assertNotIn("library", "".join(m["piece"] for m in ada.messages("reply")))
        members = yield self.store.participantIds(adaTalking["session"])
        self.assertEqual(members, [ada.userId])

    @defer.inlineCallbacks
    def test_askAnyoneGoesToTheAgentBestPlacedWhoSaysSo(self):
        """
        A question without an agent goes to the one whose topics fit it,
        from anywhere on the map: Gandalfius takes pricing, says why, and
        answers from his knowledge file in his own session with the player.
        """
        ada = yield self.player("Ada", near="maven")
        asked, reply = yield self.ask(ada, "How should I price a website project?", None)
        self.assertEqual(asked["agent"], "gandalfius")
        self.assertIn("Gandalfius, the freelancing wizard, knows about pricing", asked["reason"])
        self.assertTrue(reply["text"].startswith(asked["reason"]))
        self.assertIn("Pricing a project: Estimate the work in tasks", reply["text"])
        self.assertEqual(reply["from"]["agent"], "gandalfius")
        [session] = [s for s in (yield self.store.sessionsOf(ada.userId))
                     if s["kind"] == "agent"]
        self.assertEqual((session["agent"], session["id"]), ("gandalfius", reply["session"]))
        # Asked from afar, the wizard went on with his day.
        self.assertEqual(self.agent("gandalfius").agent.state, IDLE)

    @defer.inlineCallbacks
    def test_agentsSayWhenTheyDoNotKnowAndNameAColleague(self):
        ada = yield self.player("Ada", near="sage")
        _, reply = yield self.ask(ada, "Where is the cafe?", "sage")
        self.assertIn("I don't know that", reply["text"])
        self.assertIn("Scout, the guide, may know", reply["text"])

    @defer.inlineCallbacks
    def test_badQuestions(self):
        ada = yield self.player("Ada")
        for message, code in [({"text": "hi", "agent": "nobody"}, "unknown_agent"),
                              ({"text": "", "agent": "scout"}, "empty"),
                              ({"text": "x" * 600, "agent": "scout"}, "too_long")]:
            asked = ada.next("asked")
            ada.sendMessage(dict(message, t="ask", ref=7))
            asked = yield asked
            self.assertEqual((asked["ref"], asked["error"]), (7, code))
        ada.sendMessage({"t": "ask", "ref": 1, "text": "hi", "agent": "Not An Id"})
        self.assertEqual(ada.errors(), ["bad_field"])


class AnsweringTests(TownTestCase):
    """
    The agent's state while it answers, its bubbles, its concurrency, and
    brains that fail, with a brain the test holds.
    """

    concurrency = {"concurrency": 1, "maxWaiting": 1}

    def setUp(self):
        self.brain = HeldBrain()
        self.brains = {"knowledge": self.brain}
        return TownTestCase.setUp(self)

    @defer.inlineCallbacks
    def asked(self, client, text, ref=1):
        asked = client.next("asked")
        client.sendMessage({"t": "ask", "ref": ref, "agent": "scout", "text": text})
        asked = yield asked
        return asked

    @defer.inlineCallbacks
    def waitForQuestions(self, count):
        while len(self.brain.questions) < count:
            yield self.store.userById(1)

    @defer.inlineCallbacks
    def test_thinkingThenTalkingWithBubblesForThoseAround(self):
        """
        While the brain thinks the agent is thinking; once it speaks it is
        talking, and the players within 160 px see its bubble (the reply
        so far), those farther do not; when done it listens again.
        """
        ada = yield self.player("Ada", dx=-40)
        bob = yield self.player("Bob", dx=0, dy=BUBBLE_RADIUS - 20)
        far = yield self.player("Cy", dx=0, dy=BUBBLE_RADIUS + 40)
        yield self.talk(ada)
        yield self.asked(ada, "Where is the library?")
        yield self.waitForQuestions(1)
        question, done = self.brain.questions[0]
        scout = self.agent()
        adaId = ada.session.seat.avatar.entityId
        self.assertEqual((scout.agent.state, scout.agent.withId), (THINKING, adaId))
        self.assertEqual(question.asker.name, "Ada")
        self.assertEqual(question.history[0].speaker, "agent")
        question.say("The library is ")
        self.assertEqual((scout.agent.state, scout.agent.withId), (TALKING, adaId))
        self.assertEqual(bob.last("bubble"), {"t": "bubble", "id": scout.entityId,
                                              "text": "The library is", "done": False})
        self.assertEqual(ada.last("reply")["piece"], "The library is ")
        self.assertIsNone(bob.last("reply"))
        self.harness.clock.advance(1)
        question.say("north-west.")
        replied = ada.next("chat")
        done.callback(None)
        reply = yield replied
        self.assertEqual(reply["text"], "The library is north-west.")
        self.assertEqual(bob.last("bubble")["text"], "The library is north-west.")
        self.assertTrue(bob.last("bubble")["done"])
        self.assertIsNone(far.last("bubble"))
        self.assertEqual((scout.agent.state, scout.agent.withId), (LISTENING, adaId))

    @defer.inlineCallbacks
    def test_questionsWaitTheirTurnAndAFullQueueIsRefused(self):
        """
        With one answer at a time and one question waiting, a third player
        hears the agent is busy, and nobody asks twice at once.
        """
        ada = yield self.player("Ada", dx=-40)
        bob = yield self.player("Bob", dx=40)
        cy = yield self.player("Cy", dy=40)
        yield self.asked(ada, "one")
        yield self.asked(bob, "two")
        yield self.waitForQuestions(1)
        self.assertEqual((yield self.asked(cy, "three"))["error"], "agent_busy")
        self.assertEqual((yield self.asked(ada, "again", 2))["error"], "already_asking")
        self.assertEqual(len(self.brain.questions), 1)
        self.brain.questions[0][0].say("first")
        self.brain.questions[0][1].callback(None)
        yield self.waitForQuestions(2)
        self.assertEqual(self.brain.questions[1][0].text, "two")

    @defer.inlineCallbacks
    def test_aBrainThatCannotAnswerSaysSoAndTheWorldGoesOn(self):
        from prometheus_client import REGISTRY

        def unavailable():
            return REGISTRY.get_sample_value(
                "ark_agent_answers_total", {"brain": "knowledge", "outcome": "unavailable"}) or 0

        before = unavailable()
        ada = yield self.player("Ada")
        yield self.talk(ada)
        yield self.asked(ada, "Where is the library?")
        yield self.waitForQuestions(1)
        replied = ada.next("chat")
        self.brain.questions[0][1].errback(AgentUnavailable(
            "my model server at http://127.0.0.1:9/v1 does not answer"))
        reply = yield replied
        self.assertEqual(reply["text"], "Sorry, I cannot answer right now: my model server "
                                        "at http://127.0.0.1:9/v1 does not answer")
        self.assertEqual(self.agent().agent.state, LISTENING)
        self.assertEqual(unavailable(), before + 1, "counted in /metrics")
        yield self.asked(ada, "And now?", 2)
        yield self.waitForQuestions(2)

    @defer.inlineCallbacks
    def test_aBrainThatNeverAnswersIsGivenUpOn(self):
        ada = yield self.player("Ada")
        yield self.asked(ada, "Where is the library?")
        yield self.waitForQuestions(1)
        question, done = self.brain.questions[0]
        question.say("Let me think")
        replied = ada.next("chat")
        self.harness.clock.advance(BrainSettings().timeout + 10)
        reply = yield replied
        self.assertEqual(reply["text"], "Let me think\n\nSorry, I cannot answer right now: "
                                        "I took too long to think")
        # What the brain says once it was given up on is heard by nobody.
        heard = len(ada.messages("reply"))
        question.say(" and here is my late answer")
        self.assertEqual(len(ada.messages("reply")), heard)

    @defer.inlineCallbacks
    def test_aBrainThatBreaksIsLoggedAndTheAgentApologises(self):
        ada = yield self.player("Ada")
        yield self.asked(ada, "Where is the library?")
        yield self.waitForQuestions(1)
        replied = ada.next("chat")
        self.brain.questions[0][1].errback(ZeroDivisionError("a bug"))
        reply = yield replied
        self.assertIn("something went wrong on my side", reply["text"])
        self.assertEqual(len(self.flushLoggedErrors(ZeroDivisionError)), 1)


class ModelServerDownTests(TownTestCase):
    """
    Scout answering through the bundled C{openai} brain, whose model server
    is down: Scout says so in the chat, and the world goes on.
    """

    def maps(self):
        maps = dict(town())
        townMap = maps["town.tmj"]
        maps["town.tmj"] = dataclasses.replace(townMap, agents=tuple(
            dataclasses.replace(a, brain="openai") if a.agentId == "scout" else a
            for a in townMap.agents))
        return maps

    @defer.inlineCallbacks
    def setUp(self):
        # A port nothing listens on: bound, then closed.
        port = yield endpoints.TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1").listen(
            protocol.Factory())
        address = port.getHost()
        yield port.stopListening()
        self.settings = BrainSettings(reactor=reactor, llmUrl="http://127.0.0.1:%d/v1"
                                      % (address.port,), llmModel="smollm2", timeout=10)
        yield TownTestCase.setUp(self)

    @defer.inlineCallbacks
    def test_scoutSaysItCannotAnswerAndTheWorldGoesOn(self):
        ada = yield self.player("Ada")
        yield self.talk(ada)
        _, reply = yield self.ask(ada, "Where is the library?")
        self.assertTrue(reply["text"].startswith("Sorry, I cannot answer right now: my "),
                        reply["text"])
        self.assertNotIn("127.0.0.1", reply["text"])
        self.assertEqual(self.agent().agent.state, LISTENING)
        # Maven, on the knowledge brain, answers as ever.
        _, reply = yield self.ask(ada, "How do I walk?", "maven", ref=2)
        self.assertIn("WASD", reply["text"])


class RoutingTests(SynchronousTestCase):
    """
    "Ask anyone" in the town: each agent takes the questions its topics
    describe, and Maven, the fallback, what fits nobody.
    """

    def test_eachQuestionGoesToItsAgent(self):
        from ark.agents.knowledge import Knowledge
        from ark.agents.router import Router

        agents = town()["town.tmj"].agents
        router = Router(agents, {a.agentId: Knowledge(a.knowledge) for a in agents})
        for question, agentId in [
            ("Where is the library?", "scout"),
            ("Who is online?", "scout"),
            ("What did I miss?", "chronicle"),
            ("Which meetings were held today?", "chronicle"),
            ("Where is it busy right now?", "trends"),
            ("What is the peak today?", "trends"),
            ("How do I turn on my microphone?", "maven"),
            ("How do I walk?", "maven"),
            ("I need advice on giving feedback", "sage"),
            ("How do I protect deep work time?", "sage"),
            ("How should I price a website project?", "gandalfius"),
            ("How much deposit should I ask for?", "gandalfius"),
            ("What is the meaning of life?", "maven"),
        ]:
            self.assertEqual(router.route(question).agent.agentId, agentId, question)
        self.assertIn("welcomes every question", router.route("Zebras?").reason)


class KnowledgeTests(SynchronousTestCase):
    """
    Knowledge files: persona and passages, read again when changed.
    """

    def test_personaPassagesAndEdits(self):
        from ark.agents.knowledge import Knowledge

        path = self.mktemp()
        with open(path, "w") as f:
            f.write("# Owl\n\nYou are Owl.\n\n## Night\nOwls hunt at night.\n\n"
                    "## Pellets\nOwls cough up **pellets**.\n")
        known = Knowledge(path)
        self.assertEqual(known.persona, "You are Owl.")
        self.assertEqual(known.headings(), ["Night", "Pellets"])
        [found] = known.search("When do owls hunt?", 1)
        self.assertEqual((found.heading, found.text), ("Night", "Owls hunt at night."))
        self.assertEqual(known.search("zebra", 3), [])
        with open(path, "w") as f:
            f.write("# Owl\n\nYou are Owl.\n\n## Day\nOwls sleep by day.\n")
        import os
        os.utime(path, (1, 1))
        self.assertEqual([p.heading for p in known.search("sleep", 3)], ["Day"])


