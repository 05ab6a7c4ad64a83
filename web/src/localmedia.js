// The player's own microphone and camera: the microphone is asked for
// once, when the game starts, and is live as soon as the browser grants
// it; the camera stays off until the player turns it on. Muting, the
// camera button and the choice of devices change which tracks exist;
// putting them on the peer connections is peers.js's job (its useTracks,
// told through onChange).
//
// A refusal or a missing device is one line for the player, never an
// exception: listening, the text chat and the game go on without it.
//
// navigator.mediaDevices and the storage are passed in, so the tests use
// fakes.

// Where the chosen devices are remembered.
export const MICROPHONE_KEY = "ark.microphone";
export const CAMERA_KEY = "ark.camera";

// Small tiles need no more, and four partners each sending it must fit
// an ordinary uplink.
const CAMERA_SIZE = { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 24 } };

const NAMES = { microphone: "Microphone", camera: "Camera" };

// What went wrong opening a device, in one line for the player.
export function mediaProblem(kind, error) {
  const Name = NAMES[kind];
  const consequence = kind === "microphone"
    ? "You can still listen and chat."
    : "Others can still hear you.";
  switch (error?.name) {
    case "NotAllowedError":
    case "SecurityError":
      return `${Name} blocked: allow it in your browser's site settings. ${consequence}`;
    case "NotFoundError":
    case "OverconstrainedError":
      return `No ${kind} found. ${consequence}`;
    case "NotReadableError":
    case "AbortError":
      return `The ${kind} is in use by another program or could not start. ${consequence}`;
    default:
      return `The ${kind} could not start (${error?.name || error?.message || "unknown error"}). ${consequence}`;
  }
}

// Devices as the player picks them: every device gets a name, even before
// the browser reveals labels.
function listed(devices, kind, fallback) {
  return devices
    .filter((device) => device.kind === kind)
    .map((device, index) => ({ deviceId: device.deviceId, label: device.label || `${fallback} ${index + 1}` }));
}

export class LocalMedia {
  // devices: navigator.mediaDevices, or undefined (a page that is not
  //   secure gets none); storage: localStorage, for the devices chosen;
  //   onChange(): the tracks, the choices or the problem changed.
  constructor({ devices, storage, onChange = () => {} }) {
    this.devices = devices;
    this.storage = storage;
    this.onChange = onChange;
    this.microphone = null;
    this.camera = null;
    this.muted = false;
    // The latest problem of each device, for the player.
    this.problems = { microphone: null, camera: null };
    this.microphones = [];
    this.cameras = [];
    this.microphoneId = storage.getItem(MICROPHONE_KEY);
    this.cameraId = storage.getItem(CAMERA_KEY);
    // Each opening counts; one overtaken by a later one (two quick clicks)
    // gives its track up rather than replacing the newer one.
    this.openings = { microphone: 0, camera: 0 };
    this.cameraWanted = false;
    devices?.addEventListener?.("devicechange", () => this.refreshDevices());
  }

  // What the player should know about their devices, or null.
  get error() {
    return this.problems.microphone ?? this.problems.camera;
  }

  // The track others should hear: none while muted.
  get audioToSend() {
    return this.muted ? null : this.microphone;
  }

  get videoToSend() {
    return this.camera;
  }

  // Ask for the microphone (the browser asks the player the first time).
  start() {
    return this.openMicrophone();
  }

  // The microphone button: mute and unmute, or, with no microphone yet
  // (refused, unplugged), ask again.
  toggleMicrophone() {
    if (this.microphone === null) {
      this.muted = false;
      return this.openMicrophone();
    }
    this.setMuted(!this.muted);
    return Promise.resolve(true);
  }

  setMuted(muted) {
    this.muted = muted;
    // A disabled track sends silence even where a sender still holds it.
    if (this.microphone !== null) this.microphone.enabled = !muted;
    this.onChange();
  }

  async setCamera(on) {
    this.cameraWanted = on;
    if (on) return this.openCamera();
    this.openings.camera++;
    const old = this.camera;
    this.camera = null;
    this.problems.camera = null;
    this.onChange();
    old?.stop();
    return true;
  }

  async chooseMicrophone(deviceId) {
    this.microphoneId = deviceId;
    this.storage.setItem(MICROPHONE_KEY, deviceId);
    return this.openMicrophone();
  }

  async chooseCamera(deviceId) {
    this.cameraId = deviceId;
    this.storage.setItem(CAMERA_KEY, deviceId);
    return this.cameraWanted ? this.openCamera() : true;
  }

  openMicrophone() {
    return this.open("microphone", (deviceId) => ({
      audio: { deviceId: deviceId ? { exact: deviceId } : undefined, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    }));
  }

  openCamera() {
    return this.open("camera", (deviceId) => ({
      video: { deviceId: deviceId ? { exact: deviceId } : undefined, ...CAMERA_SIZE },
    }));
  }

  // Open kind's device (the chosen one, else the default) and make its
  // track the one in use; true when it worked.
  async open(kind, constraints) {
    const opening = ++this.openings[kind];
    if (typeof this.devices?.getUserMedia !== "function") {
      this.problems[kind] = `Voice and video need a secure page (https). You can still ${kind === "microphone" ? "listen and " : ""}chat.`;
      this.onChange();
      return false;
    }
    const chosen = kind === "microphone" ? this.microphoneId : this.cameraId;
    let stream;
    try {
      stream = await this.devices.getUserMedia(constraints(chosen));
    } catch (error) {
      // A remembered device that is gone: the default one will do.
      const gone = error?.name === "NotFoundError" || error?.name === "OverconstrainedError";
      if (chosen && gone) {
        try {
          stream = await this.devices.getUserMedia(constraints(null));
        } catch (again) {
          return this.failed(kind, opening, again);
        }
      } else {
        return this.failed(kind, opening, error);
      }
    }
    const track = (kind === "microphone" ? stream.getAudioTracks() : stream.getVideoTracks())[0];
    const current = opening === this.openings[kind] && (kind === "microphone" || this.cameraWanted);
    if (!current || track === undefined) {
      for (const unused of stream.getTracks()) unused.stop();
      if (current) return this.failed(kind, opening, { name: "NotFoundError" });
      return false;
    }
    const old = this[kind];
    this[kind] = track;
    if (kind === "microphone") track.enabled = !this.muted;
    this.problems[kind] = null;
    track.addEventListener?.("ended", () => this.ended(kind, track));
    this.onChange();
    // Stopped only once the new one is on its way to the senders.
    if (old !== track) old?.stop();
    // Labels are only revealed once a device has been granted.
    await this.refreshDevices();
    return true;
  }

  failed(kind, opening, error) {
    if (opening !== this.openings[kind]) return false;
    this.problems[kind] = mediaProblem(kind, error);
    if (kind === "camera") this.cameraWanted = false;
    this.onChange();
    return false;
  }

  // A device unplugged, or its permission withdrawn.
  ended(kind, track) {
    if (this[kind] !== track) return;
    this[kind] = null;
    if (kind === "camera") this.cameraWanted = false;
    this.problems[kind] = `The ${kind} stopped (unplugged?). Choose another, or press the button to try again.`;
    this.onChange();
    this.refreshDevices();
  }

  async refreshDevices() {
    if (typeof this.devices?.enumerateDevices !== "function") return;
    let found;
    try {
      found = await this.devices.enumerateDevices();
    } catch {
      return;
    }
    this.microphones = listed(found, "audioinput", NAMES.microphone);
    this.cameras = listed(found, "videoinput", NAMES.camera);
    this.onChange();
  }

  // Give every device back (the page is closing).
  stop() {
    this.openings.microphone++;
    this.openings.camera++;
    this.microphone?.stop();
    this.camera?.stop();
    this.microphone = null;
    this.camera = null;
  }
}
