"""Make resources/samples: short voice-assistant requests spoken by espeak-ng, with a manifest.

Run once by a developer (needs espeak-ng and sox); the output is committed.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

OUT = Path(__file__).resolve().parent.parent / "resources" / "samples"

# (file, what is said, ASR hypothesis with realistic errors, predicted intent, predicted slots)
SAMPLES = [
    (
        "001_alarm.wav",
        "wake me up at seven thirty tomorrow morning",
        "wake me up at seven thirty tomorrow morning",
        "alarm_set",
        [
            {"type": "time", "text": "seven thirty"},
            {"type": "date", "text": "tomorrow"},
            {"type": "timeofday", "text": "morning"},
        ],
    ),
    (
        "002_jazz.wav",
        "play some jazz in the kitchen",
        "play some chairs in the kitchen",
        "play_music",
        [{"type": "house_place", "text": "kitchen"}],
    ),
    (
        "003_weather.wav",
        "what's the weather like in lisbon this weekend",
        "what's the weather like in listen this weekend",
        "weather_query",
        [{"type": "date", "text": "this weekend"}],
    ),
    (
        "004_lights.wav",
        "turn off the lights in the living room",
        "turn of the lights in the living room",
        "iot_hue_lightoff",
        [{"type": "house_place", "text": "living room"}],
    ),
    (
        "005_list.wav",
        "add oat milk to my shopping list",
        "add oat milk to my shopping list",
        "lists_createoradd",
        [{"type": "list_name", "text": "shopping"}],
    ),
    ("006_volume.wav", "turn it down a bit", "turn it down a bit", "audio_volume_down", []),
    (
        "007_podcast.wav",
        "resume the history podcast from yesterday",
        "resume the history pod cast from yesterday",
        "play_podcasts",
        [{"type": "date", "text": "yesterday"}],
    ),
    (
        "008_timer.wav",
        "um set a timer for ten minutes",
        "some set a timer for ten minutes",
        "alarm_set",
        [],
    ),
    (
        "009_taxi.wav",
        "book a taxi to the airport at six",
        "book a taxi to the airport at six",
        "transport_taxi",
        [
            {"type": "transport_type", "text": "taxi"},
            {"type": "place_name", "text": "airport"},
            {"type": "time", "text": "six"},
        ],
    ),
    (
        "010_news.wav",
        "what's the latest news about the election",
        "what's the latest news about the elections",
        "news_query",
        [{"type": "news_topic", "text": "elections"}],
    ),
    ("011_joke.wav", "tell me a joke", "tell me a joke", "general_joke", []),
    (
        "012_currency.wav",
        "how many euros is fifty dollars",
        "how many year is is fifty dollars",
        "qa_currency",
        [{"type": "currency_name", "text": "dollars"}],
    ),
]
VOICES = ["en-us", "en", "en-us+f3", "en+m3"]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as tmp:
        for k, (name, said, asr, intent, slots) in enumerate(SAMPLES):
            raw = Path(tmp) / "raw.wav"
            subprocess.run(
                ["espeak-ng", "-v", VOICES[k % len(VOICES)], "-s", "150", "-w", str(raw), said],
                check=True,
            )
            rs = Path(tmp) / "rs.wav"
            subprocess.run(
                ["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(rs)], check=True
            )
            speech, sr = sf.read(str(rs), dtype="float32")
            lead, tail = int(0.4 * sr), int(0.5 * sr)
            audio = np.concatenate([np.zeros(lead, np.float32), speech, np.zeros(tail, np.float32)])
            audio += rng.normal(0, 0.003, len(audio)).astype(np.float32)  # room noise
            sf.write(str(OUT / name), np.clip(audio, -1, 1), sr, subtype="PCM_16")
            rows.append({"audio": name, "asr": asr, "intent": intent, "slots": slots})
    with (OUT / "manifest.jsonl").open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    print(f"wrote {len(rows)} samples to {OUT}")


if __name__ == "__main__":
    main()
