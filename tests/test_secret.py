"""
Tests for L{ark.app.secret}: the secret that signs ark's tokens is
written whole or not at all, readable by its owner only, and a secret too
short to sign with stops startup with one line naming it.
"""

from __future__ import annotations

import os
import sys

from twisted.internet.task import Clock
from twisted.python import usage
from twisted.trial.unittest import SynchronousTestCase

from ark.app import secret as secretModule
from ark.app.options import Options
from ark.app.secret import MIN_SECRET_BYTES, SecretError, loadOrCreateSecret
from ark.app.service import makeService

HERE = os.path.dirname(os.path.abspath(__file__))
TEST_MAPS = os.path.join(HERE, "maps")

_realFsync = os.fsync
_realFdopen = os.fdopen


class SecretFileTests(SynchronousTestCase):
    def setUp(self):
        self.dataDir = self.mktemp()
        os.makedirs(self.dataDir)
        self.path = os.path.join(self.dataDir, "secret")

    def write(self, content: bytes):
        with open(self.path, "wb") as f:
            f.write(content)

    def test_generatedPrivatelyAndKept(self):
        """
        The first start writes a secret of 64 characters, mode 0600, and
        nothing else; later starts use it.
        """
        first = loadOrCreateSecret(self.dataDir)
        self.assertEqual(os.stat(self.path).st_mode & 0o777, 0o600)
        self.assertEqual(len(first), 64)
        self.assertEqual(os.listdir(self.dataDir), ["secret"])
        self.assertEqual(loadOrCreateSecret(self.dataDir), first)

    def test_emptyFileIsRefused(self):
        """
        An empty secret file (what a crash used to leave) is refused,
        naming the file, rather than signing tokens with nothing.
        """
        self.write(b"")
        error = self.assertRaises(SecretError, loadOrCreateSecret, self.dataDir)
        self.assertIn(self.path, str(error))
        self.assertIn("0 bytes", str(error))

    def test_shortFileIsRefused(self):
        self.write(b"x" * (MIN_SECRET_BYTES - 1) + b"\n")
        error = self.assertRaises(SecretError, loadOrCreateSecret, self.dataDir)
        self.assertIn(self.path, str(error))
        self.write(b"x" * MIN_SECRET_BYTES + b"\n")
        self.assertEqual(loadOrCreateSecret(self.dataDir), b"x" * MIN_SECRET_BYTES)

    def test_crashWhileWritingLeavesNoSecret(self):
        """
        A failure between creating the file and having written it whole to
        disk (the write, or the flush to disk) leaves no secret file and no
        temporary one, so the next start generates a good secret instead of
        loading an empty one.
        """
        class FailingFile:
            def __init__(self, descriptor, mode):
                self.file = _realFdopen(descriptor, mode)

            def __enter__(self):
                return self

            def __exit__(self, *exception):
                self.file.close()

            def write(self, data):
                raise OSError(28, "No space left on device")

        def failingFsync(descriptor):
            raise OSError(5, "Input/output error")

        for name, replacement, reason in [("fdopen", FailingFile, "No space left"),
                                          ("fsync", failingFsync, "Input/output error")]:
            self.patch(secretModule.os, name, replacement)
            error = self.assertRaises(SecretError, loadOrCreateSecret, self.dataDir)
            self.assertIn(reason, str(error))
            self.assertIn(self.path, str(error))
            self.assertEqual(os.listdir(self.dataDir), [])
            self.patch(secretModule.os, name, {"fdopen": _realFdopen, "fsync": _realFsync}[name])
        self.assertEqual(len(loadOrCreateSecret(self.dataDir)), 64)

    def test_crashKeepsTheOldSecret(self):
        """
        Nothing ever rewrites a secret that exists.
        """
        self.write(b"k" * 40 + b"\n")
        self.patch(secretModule.os, "fsync", lambda descriptor: 1 / 0)
        self.assertEqual(loadOrCreateSecret(self.dataDir), b"k" * 40)
        with open(self.path, "rb") as f:
            self.assertEqual(f.read(), b"k" * 40 + b"\n")

    def test_neverAPartialFileUnderTheName(self):
        """
        While the secret is being written, nothing is under its name yet.
        """
        seen = []

        def watch(descriptor):
            seen.append(os.path.exists(self.path))
            return _realFsync(descriptor)

        self.patch(secretModule.os, "fsync", watch)
        loadOrCreateSecret(self.dataDir)
        self.assertEqual(seen[0], False)
        self.assertTrue(os.path.exists(self.path))

    def test_unreadableFileIsNamed(self):
        os.makedirs(self.path)
        error = self.assertRaises(SecretError, loadOrCreateSecret, self.dataDir)
        self.assertIn(self.path, str(error))

    def test_givenSecret(self):
        """
        A secret given by the operator is used as it is, if long enough.
        """
        given = "g" * MIN_SECRET_BYTES
        self.assertEqual(loadOrCreateSecret(self.dataDir, given), given.encode())
        self.assertFalse(os.path.exists(self.path))
        self.assertRaises(SecretError, loadOrCreateSecret, self.dataDir, "short")


class StartupTests(SynchronousTestCase):
    """
    C{twistd ark} refuses a short signing secret before it starts.
    """

    def options(self, arguments, environ=None):
        options = Options(environ=environ or {})
        options.parseOptions(["--maps-dir", TEST_MAPS, "--map", "finite.tmj",
                              "--port", "0"] + arguments)
        return options

    def test_shortSecretOptionIsRefused(self):
        """
        C{--secret} (or C{ARK_SECRET}) shorter than 32 bytes is a usage
        error naming the option.
        """
        error = self.assertRaises(usage.UsageError, self.options, ["--secret", "hunter2"])
        self.assertIn("--secret", str(error))
        self.assertIn("32 bytes", str(error))
        error = self.assertRaises(usage.UsageError, self.options, [], {"ARK_SECRET": "x" * 31})
        self.assertIn("--secret", str(error))
        self.assertEqual(self.options([], {"ARK_SECRET": "x" * 32})["secret"], "x" * 32)

    def test_jitsiSecretIsNotHeldToTheRule(self):
        """
        The Jitsi secret is the Jitsi deployment's, whatever its length.
        """
        options = self.options(["--jitsi-app-id", "ark"], {"ARK_JITSI_SECRET": "short"})
        self.assertEqual(options["jitsi-secret"], "short")

    def test_emptySecretFileStopsStartupWithOneLine(self):
        """
        An empty secret file in the data directory stops startup with exit
        status 1 and one line naming the file.
        """
        dataDir = self.mktemp()
        os.makedirs(dataDir)
        open(os.path.join(dataDir, "secret"), "wb").close()
        errors = []
        self.patch(sys, "stderr", type("Err", (), {"write": errors.append})())
        exit = self.assertRaises(SystemExit, makeService,
                                 self.options(["--data-dir", dataDir]), Clock())
        self.assertEqual(exit.code, 1)
        self.assertEqual(len(errors), 1)
        self.assertTrue(errors[0].startswith("ark: cannot start: "), errors[0])
        self.assertIn(os.path.join(dataDir, "secret"), errors[0])
        self.assertEqual(errors[0].count("\n"), 1)
