// What a Jitsi call is started with, and loading a deployment's script once.
import { test } from "node:test";
import assert from "node:assert/strict";

import { jitsiHost, jitsiOptions, loadOnce, parseConfig, scriptUrl } from "../src/jitsi.js";

const panel = { id: "call-frame" };

test("the options name the room, the panel and the player", () => {
  const options = jitsiOptions({ room: "ark-meeting-1", config: null, jwt: null },
    { parentNode: panel, displayName: "Ada" });
  assert.deepEqual(options, {
    roomName: "ark-meeting-1", parentNode: panel, userInfo: { displayName: "Ada" },
    configOverwrite: {}, interfaceConfigOverwrite: {}, width: "100%", height: "100%",
  });
  assert.equal("jwt" in options, false);
});

test("a token goes along only when the server sent one", () => {
  const options = jitsiOptions({ room: "r", jwt: "aaa.bbb.ccc" }, { parentNode: panel, displayName: "Ada" });
  assert.equal(options.jwt, "aaa.bbb.ccc");
  assert.equal("jwt" in jitsiOptions({ room: "r", jwt: "" }, { parentNode: panel, displayName: "" }), false);
});

test("the map's configuration is used when it is a JSON object, else nothing", () => {
  const configured = jitsiOptions({ room: "r", config: '{"startWithAudioMuted": true, "p2p": {"enabled": false}}' },
    { parentNode: panel, displayName: "Ada" });
  assert.deepEqual(configured.configOverwrite, { startWithAudioMuted: true, p2p: { enabled: false } });
  for (const config of ["[1, 2]", "42", "null", '"text"', "{not json", "", null, undefined, 7]) {
    assert.deepEqual(parseConfig(config), {}, String(config));
  }
  assert.deepEqual(parseConfig({ prejoinPageEnabled: false }), { prejoinPageEnabled: false });
});

test("the map's interface settings go to Jitsi's interfaceConfigOverwrite", () => {
  const options = jitsiOptions({ room: "r", config: null, interfaceConfig: '{"DEFAULT_BACKGROUND": "#77ee77"}' },
    { parentNode: panel, displayName: "Ada" });
  assert.deepEqual(options.interfaceConfigOverwrite, { DEFAULT_BACKGROUND: "#77ee77" });
  assert.deepEqual(options.configOverwrite, {});
  assert.deepEqual(jitsiOptions({ room: "r", interfaceConfig: "[]" }, { parentNode: panel, displayName: "" })
    .interfaceConfigOverwrite, {});
});

test("only a host name (and port) is taken as a deployment's address", () => {
  assert.equal(jitsiHost("meet.jit.si"), "meet.jit.si");
  assert.equal(jitsiHost("https://jitsi.example.org/"), "jitsi.example.org");
  assert.equal(jitsiHost("jitsi.example.org:8443"), "jitsi.example.org:8443");
  for (const bad of ["", "evil.example/x.js?", "http://meet.jit.si", "javascript:alert(1)",
    "meet.jit.si/path", "a b", "user@host", null, 5]) {
    assert.equal(jitsiHost(bad), null, String(bad));
  }
  assert.equal(scriptUrl("meet.jit.si"), "https://meet.jit.si/external_api.js");
});

test("each script is loaded once, and tried again after it failed", async () => {
  const asked = [];
  let fail = true;
  const load = loadOnce(async (url) => {
    asked.push(url);
    if (fail) throw new Error("unreachable");
    return url;
  });
  await assert.rejects(load("https://a/external_api.js"));
  fail = false;
  const first = load("https://a/external_api.js");
  const second = load("https://a/external_api.js");
  assert.equal(first, second);
  await first;
  await load("https://a/external_api.js");
  await load("https://b/external_api.js");
  assert.deepEqual(asked, ["https://a/external_api.js", "https://a/external_api.js", "https://b/external_api.js"]);
});
