"""
The patch vectors the web client's tests replay are what the server sends
today: a change to the patches that the file does not show fails here.
"""

from __future__ import annotations

import json

from twisted.trial.unittest import SynchronousTestCase

from tests import patchvectors, proximityvectors


class PatchVectorTests(SynchronousTestCase):

    def test_vectorsAreWhatTheServerSends(self):
        """
        Regenerating C{tests/vectors/patches.json} from the server gives the
        file as committed, message for message.
        """
        with open(patchvectors.PATH) as f:
            committed = json.load(f)
        fresh = json.loads(patchvectors.encode(patchvectors.generate()))
        self.assertEqual(fresh["welcome"], committed["welcome"])
        self.assertEqual(len(fresh["patches"]), len(committed["patches"]))
        for index, (now, then) in enumerate(zip(fresh["patches"], committed["patches"])):
            self.assertEqual(now, then, "patch %d" % (index,))
        self.assertEqual(fresh, committed)

    def test_generationIsRepeatable(self):
        """
        Two runs give the same document, so the comparison above fails only
        when the server changed.
        """
        self.assertEqual(patchvectors.generate(), patchvectors.generate())


class GainVectorTests(SynchronousTestCase):

    def test_vectorsAreWhatTheRuleGives(self):
        """
        The gains in C{tests/vectors/proximity.json}, which the web client
        checks its own rule against, are what the server's rule gives now;
        they fall from full volume at C{full} to silence at C{silence}
        without going up on the way.
        """
        with open(proximityvectors.PATH) as f:
            committed = f.read()
        self.assertEqual(proximityvectors.generate(), committed)
        cases = json.loads(committed)["cases"]
        for rules in proximityvectors.RULES:
            gains = [case["gain"] for case in cases
                     if (case["full"], case["silence"]) == (rules.full, rules.silence)]
            self.assertEqual(gains, sorted(gains, reverse=True))
            self.assertEqual((gains[0], gains[-1]), (1.0, 0.0))
