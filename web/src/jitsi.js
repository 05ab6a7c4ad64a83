// Joining a Jitsi meeting from a `jitsi.open` effect: where the
// deployment's external API script is, what its JitsiMeetExternalAPI is
// given, and loading each script once.

// The host (and port) of a Jitsi deployment, or null. Map makers write
// `jitsiUrl` as a bare domain, or sometimes with https:// and a slash;
// anything else (a path, a query, another scheme) would load a script
// from somewhere the map did not mean.
export function jitsiHost(domain) {
  if (typeof domain !== "string") return null;
  const host = domain.trim().replace(/^https:\/\//i, "").replace(/\/+$/, "");
  return /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$/i.test(host) ? host : null;
}

export function scriptUrl(host) {
  return `https://${host}/external_api.js`;
}

// `jitsiConfig` and `jitsiInterfaceConfig` are JSON objects in map
// properties; anything else (bad JSON, an array, a number) configures
// nothing rather than failing the call. A plugin may send the object
// itself.
export function parseConfig(config) {
  let value = config;
  if (typeof config === "string") {
    try {
      value = JSON.parse(config);
    } catch {
      return {};
    }
  }
  const isObject = value !== null && typeof value === "object" && !Array.isArray(value);
  return isObject ? value : {};
}

// The options for `new JitsiMeetExternalAPI(host, options)`: call is what
// effects.js keeps of a `jitsi.open` ({room, config, interfaceConfig,
// jwt}).
export function jitsiOptions(call, { parentNode, displayName }) {
  const options = {
    roomName: call.room,
    parentNode,
    userInfo: { displayName },
    configOverwrite: parseConfig(call.config),
    interfaceConfigOverwrite: parseConfig(call.interfaceConfig),
    width: "100%",
    height: "100%",
  };
  // Only deployments with token authentication get one; an empty jwt
  // would be refused by the others.
  if (call.jwt) options.jwt = call.jwt;
  return options;
}

// load(url) -> a promise, called at most once per address while it
// succeeds or is under way; a failed one is forgotten, so walking into
// the room again tries again.
export function loadOnce(load) {
  const loads = new Map();
  return (url) => {
    if (!loads.has(url)) {
      const loading = Promise.resolve().then(() => load(url));
      loads.set(url, loading);
      loading.catch(() => {
        if (loads.get(url) === loading) loads.delete(url);
      });
    }
    return loads.get(url);
  };
}
