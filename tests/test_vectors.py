"""
The patch vectors the web client's tests replay are what the server sends
today: a change to the patches that the file does not show fails here.
"""

from __future__ import annotations

import json

from twisted.trial.unittest import SynchronousTestCase

from tests import patchvectors


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
