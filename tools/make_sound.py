"""
Synthesize the lounge's music, maps/lounge.wav: twelve seconds of soft
chords, a bass and a simple melody, which loop without a seam.

    python tools/make_sound.py

Every sample is computed here, from sine waves and Python's standard
library: nothing is recorded or copied.  The result is the same every
time (the only noise, a quiet shaker, comes from a seeded generator).

The tune is four bars at 80 beats a minute, Fmaj7 - Em7 - Dm7 - Cmaj7,
played on a soft electric piano over a pad and a round bass.  Notes are
mixed into a circular buffer: whatever still rings at the end of the
fourth bar is added to the start of the first, so the loop has no click
and no gap.  The file is mono, 22050 Hz, 16-bit: about 530 KB.
"""

import math
import os
import random
import struct
import sys
import wave

HERE = os.path.dirname(os.path.abspath(__file__))
MAPS = os.path.join(HERE, os.pardir, "maps")
SOUND_NAME = "lounge.wav"

RATE = 22050
BPM = 80
BEAT = 60 / BPM
BARS = 4
LENGTH = int(round(BARS * 4 * BEAT * RATE))
PEAK = 0.6  # of full scale: the zone's audioVolume does the rest

# Chords, one per bar, as MIDI notes: the bass's root, then the voicing.
CHORDS = [
    (41, (53, 57, 60, 64)),  # Fmaj7
    (40, (52, 55, 59, 62)),  # Em7
    (38, (50, 53, 57, 60)),  # Dm7
    (36, (52, 55, 59, 60)),  # Cmaj7
]

# The melody: (bar, beat, MIDI note, length in beats).
MELODY = [
    (0, 0, 69, 1), (0, 1, 72, 1), (0, 2, 76, 1.5), (0, 3.5, 74, 0.5),
    (1, 0, 71, 1.5), (1, 1.5, 67, 0.5), (1, 2, 74, 2),
    (2, 0, 72, 1), (2, 1, 69, 1), (2, 2, 65, 1), (2, 3, 69, 1),
    (3, 0, 71, 1.5), (3, 1.5, 67, 0.5), (3, 2, 64, 1.5), (3, 3.5, 67, 0.5),
]


def frequency(note):
    return 440.0 * 2 ** ((note - 69) / 12)


def at(bar, beat):
    """The sample where a beat of a bar begins."""
    return int(round((bar * 4 + beat) * BEAT * RATE))


def mix(buffer, start, samples):
    """Add samples into the circular buffer from C{start}, wrapping round."""
    n = len(buffer)
    for i, value in enumerate(samples):
        buffer[(start + i) % n] += value


def envelope(t, duration, attack, release):
    """Linear attack, then full level, then a linear release to nothing."""
    if t < attack:
        return t / attack
    if t > duration - release:
        return max(0.0, (duration - t) / release)
    return 1.0


def piano(note, duration, velocity):
    """
    A soft electric piano: a sine with a little second and third harmonic
    that fade faster than the fundamental, as a struck tine does.
    """
    f = frequency(note)
    ring = duration + 0.6
    samples = []
    for i in range(int(ring * RATE)):
        t = i / RATE
        phase = 2 * math.pi * f * t
        tone = (
            math.sin(phase)
            + 0.22 * math.exp(-t * 4) * math.sin(2 * phase)
            + 0.06 * math.exp(-t * 9) * math.sin(3 * phase + 0.5)
        )
        level = math.exp(-t * 1.6) * envelope(t, ring, 0.006, 0.25)
        # Let go of the key at the end of the note: a quicker fade.
        if t > duration:
            level *= math.exp(-(t - duration) * 6)
        samples.append(velocity * level * tone)
    return samples


def pad(notes, duration, level):
    """A slow, warm chord: pairs of slightly detuned sines per note."""
    samples = []
    freqs = [frequency(n) for n in notes]
    for i in range(int(duration * RATE)):
        t = i / RATE
        value = 0.0
        for f in freqs:
            value += math.sin(2 * math.pi * f * t) + math.sin(2 * math.pi * f * 1.003 * t + 1.0)
        samples.append(level * envelope(t, duration, 0.8, 0.9) * value / (2 * len(freqs)))
    return samples


def bass(note, duration, level):
    """A round bass: a sine and its octave, plucked."""
    f = frequency(note)
    samples = []
    for i in range(int(duration * RATE)):
        t = i / RATE
        phase = 2 * math.pi * f * t
        tone = math.sin(phase) + 0.3 * math.exp(-t * 5) * math.sin(2 * phase)
        samples.append(level * math.exp(-t * 1.2) * envelope(t, duration, 0.012, 0.08) * tone)
    return samples


def shaker(rng, level):
    """A short puff of smoothed noise."""
    samples = []
    smooth = 0.0
    duration = 0.07
    for i in range(int(duration * RATE)):
        t = i / RATE
        noise = rng.uniform(-1, 1)
        # Keep the hiss: subtract a slow average of the noise.
        smooth += 0.25 * (noise - smooth)
        samples.append(level * (noise - smooth) * math.exp(-t * 60) * envelope(t, duration, 0.004, 0.01))
    return samples


def render():
    """
    @return: the loop's samples, floats between -PEAK and PEAK.
    """
    buffer = [0.0] * LENGTH
    rng = random.Random(80)
    bar = 4 * BEAT
    for index, (root, voicing) in enumerate(CHORDS):
        # The pad holds the bar, overlapping the next one a little.
        mix(buffer, at(index, 0), pad(voicing, bar + 0.6, 0.16))
        # The piano comps on beat one and on the "and" of beat three.
        for beat, length, velocity in ((0, 2.2, 0.09), (2.5, 1.3, 0.07)):
            for n, note in enumerate(voicing):
                # A gently rolled chord, low to high.
                start = at(index, beat) + int(n * 0.012 * RATE)
                mix(buffer, start, piano(note, length * BEAT, velocity))
        # The bass: the root on one, the fifth leading back on four.
        mix(buffer, at(index, 0), bass(root, 2.6 * BEAT, 0.34))
        mix(buffer, at(index, 3), bass(root + 7, 0.9 * BEAT, 0.24))
        # A shaker on the off-beats.
        for beat in range(4):
            mix(buffer, at(index, beat + 0.5), shaker(rng, 0.05))
    for barIndex, beat, note, length in MELODY:
        mix(buffer, at(barIndex, beat), piano(note, length * BEAT * 0.95, 0.2))
        # A quiet echo, a beat and a half later.
        mix(buffer, at(barIndex, beat + 1.5), piano(note, length * BEAT * 0.8, 0.05))
    peak = max(abs(value) for value in buffer)
    return [value * PEAK / peak for value in buffer]


def write(samples, path):
    frames = struct.pack(f"<{len(samples)}h", *(int(round(value * 32767)) for value in samples))
    with wave.open(path, "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(RATE)
        f.writeframes(frames)


def main(argv):
    path = os.path.join(MAPS, SOUND_NAME)
    write(render(), path)
    print(f"wrote {SOUND_NAME}: {LENGTH / RATE:.1f} s, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
