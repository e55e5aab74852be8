"""Spoken kiosk prompts: the texts, and scripts/make-kiosk-audio (espeak-ng)."""

from __future__ import annotations

import json
import subprocess
import sys
import wave
from pathlib import Path

import pytest
import yaml

from kiosk_app import audio
from tests.components import require_tool

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "make-kiosk-audio"
PROMPTS = yaml.safe_load(audio.PROMPTS_FILE.read_text(encoding="utf-8"))
STEPS = (
    "welcome card_error card_expired choose search guide form keypad materials "
    "scan scan_done sign confirm submitting approved refused review tolerance "
    "printing print_fault rating end timeout offline handoff offer assisted"
).split()


def run(prompts: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--prompts", str(prompts), "--out", str(out)]
        + list(extra),
        capture_output=True,
        text=True,
    )


def generate(prompts: Path, out: Path) -> str:
    done = run(prompts, out)
    assert done.returncode == 0, done.stderr
    return done.stdout


def snapshot(out: Path) -> dict[str, int]:
    """Every file under ``out`` with its mtime (ns)."""
    return {
        str(p.relative_to(out)): p.stat().st_mtime_ns
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def duration(path: Path) -> float:
    """Seconds of 16-bit mono audio in ``path``; fails on anything else."""
    with wave.open(str(path), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2), path
        return w.getnframes() / w.getframerate()


@pytest.fixture(scope="module")
def espeak() -> str:
    return require_tool("espeak-ng", "espeak-ng")


@pytest.fixture()
def prompts_copy(tmp_path: Path) -> Path:
    path = tmp_path / "prompts.yaml"
    path.write_text(audio.PROMPTS_FILE.read_text(encoding="utf-8"), "utf-8")
    return path


def test_every_step_has_a_chinese_and_an_english_prompt() -> None:
    assert list(PROMPTS) == list(audio.PROMPT_KEYS)
    assert set(STEPS) <= set(PROMPTS)
    for key, texts in PROMPTS.items():
        assert set(texts) == {"zh", "en"}, key
        assert texts["zh"].strip() and texts["en"].strip(), key


def test_chinese_prompts_are_read_in_mandarin_only(espeak: str) -> None:
    """No part of a zh prompt is read with English rules (a Latin word, or the
    plain `cmn` voice reading 好 as "hao two")."""
    for key, texts in PROMPTS.items():
        phonemes = subprocess.run(
            [espeak, "-q", "-x", "-v", "cmn-latn-pinyin", texts["zh"]],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "(en)" not in phonemes, (key, phonemes)


def test_generates_every_prompt_once(espeak: str, tmp_path: Path) -> None:
    out = tmp_path / "audio"
    assert "54 made" in generate(audio.PROMPTS_FILE, out)
    for key, texts in PROMPTS.items():
        for lang, text in texts.items():
            seconds = duration(out / lang / f"{key}.wav")
            assert seconds > 0.3, (lang, key)
            if lang == "zh":  # slow and clear, but not a drawl
                assert 0.15 * len(text) < seconds < 0.6 * len(text) + 1, (key, seconds)
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert set(manifest["files"]) == {
        f"{lang}/{k}" for lang in ("zh", "en") for k in PROMPTS
    }

    before = snapshot(out)
    assert "0 made, 54 unchanged, 0 removed" in generate(audio.PROMPTS_FILE, out)
    assert snapshot(out) == before


def test_regenerates_only_what_changed(
    espeak: str, tmp_path: Path, prompts_copy: Path
) -> None:
    out = tmp_path / "audio"
    generate(prompts_copy, out)
    before = snapshot(out)
    data = yaml.safe_load(prompts_copy.read_text("utf-8"))
    data["welcome"]["zh"] = "您好！欢迎使用自助服务。"
    del data["assisted"]
    prompts_copy.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")

    assert "1 made, 51 unchanged, 2 removed" in generate(prompts_copy, out)
    after = snapshot(out)
    changed = {name for name in after if after[name] != before.get(name)}
    assert changed == {"zh/welcome.wav", "manifest.json"}
    assert set(before) - set(after) == {"zh/assisted.wav", "en/assisted.wav"}
    assert "zh/assisted" not in (out / "manifest.json").read_text("utf-8")


def test_a_missing_or_broken_file_is_made_again(
    espeak: str, tmp_path: Path, prompts_copy: Path
) -> None:
    out = tmp_path / "audio"
    generate(prompts_copy, out)
    (out / "en" / "end.wav").unlink()
    (out / "zh" / "stray.wav").write_bytes(b"")
    assert "1 made, 53 unchanged, 1 removed" in generate(prompts_copy, out)
    assert duration(out / "en" / "end.wav") > 0.3
    assert not (out / "zh" / "stray.wav").exists()


def test_the_check_fails_on_an_empty_wav(tmp_path: Path) -> None:
    """The WAV check used above does fail: an empty file is no audio."""
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises((wave.Error, EOFError)):
        duration(empty)
    silent = tmp_path / "silent.wav"
    with wave.open(str(silent), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(22050)
    assert duration(silent) == 0  # would fail the "> 0.3 s" assertion


def test_missing_espeak_names_the_debian_package(tmp_path: Path) -> None:
    done = run(audio.PROMPTS_FILE, tmp_path / "audio", "--espeak", "no-such-espeak")
    assert done.returncode != 0
    assert "Debian package espeak-ng" in done.stderr
    assert not (tmp_path / "audio").exists()


def test_bad_prompts_are_refused(espeak: str, tmp_path: Path) -> None:
    bad = tmp_path / "prompts.yaml"
    bad.write_text("welcome:\n  zh: 您好\n  en: ''\n", "utf-8")
    done = run(bad, tmp_path / "audio")
    assert done.returncode != 0
    assert "welcome: en text is empty" in done.stderr
    bad.write_text("welcome:\n  zh: 请点OK\n  en: Tap OK\n", "utf-8")
    done = run(bad, tmp_path / "audio")
    assert done.returncode != 0 and "use only zh words" in done.stderr


def test_prompt_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(audio, "AUDIO_DIR", tmp_path)
    assert audio.prompt_url("welcome", "zh") is None  # not generated yet
    (tmp_path / "zh").mkdir()
    (tmp_path / "zh" / "welcome.wav").write_bytes(b"RIFF")
    assert audio.prompt_url("welcome", "zh") == "/static/kiosk/audio/zh/welcome.wav"
    assert audio.prompt_url("welcome", "en") is None
    assert audio.prompt_url("no_such_step", "zh") is None
    assert audio.prompt_url("welcome", "../zh") is None


def test_prompt_url_in_a_template(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from flask import Flask, render_template_string

    import kiosk_app

    monkeypatch.setattr(audio, "AUDIO_DIR", tmp_path)
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "scan.wav").write_bytes(b"RIFF")
    app = Flask(__name__, static_folder=str(tmp_path), static_url_path="/static")
    app.register_blueprint(kiosk_app.bp)
    with app.test_request_context("/kiosk/", base_url="http://kiosk/sub"):
        html = render_template_string(
            "{{ prompt_url('scan', 'en') }}|{{ prompt_url('scan', 'zh') }}"
        )
    assert html == "/sub/static/kiosk/audio/en/scan.wav|None"
