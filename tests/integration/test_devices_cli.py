"""``flask devices check`` and ``flask devices sim …`` on the simulated devices."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from flask import Flask

from devices.agent import Agent
from govcore.ports import DeviceError, DeviceState
from tests.api.conftest import PERSON, load_world
from webapp.devices import build_devices, sim_control


def run(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_check_lists_every_simulated_device(sqlite_app, tmp_path) -> None:
    sqlite_app.instance_path = str(tmp_path)
    output = run(sqlite_app, "devices", "check")
    for name in ("reader", "a4_printer", "receipt_printer", "scanner"):
        assert name in output
    assert output.count("ready") == 4


def test_faults_injected_from_the_command_line_reach_the_devices(
    sqlite_app, tmp_path
) -> None:
    sqlite_app.instance_path = str(tmp_path)
    run(sqlite_app, "devices", "sim", "a4", "media-jam")
    run(sqlite_app, "devices", "sim", "receipt-paper", "empty")
    output = run(sqlite_app, "devices", "check")
    assert "needs_attention" in output and "media-jam" in output
    assert "小票纸用完" in output
    devices = build_devices(sqlite_app)
    job = devices.a4_printer.job(devices.a4_printer.submit(b"%PDF-1.4", title="t"))
    assert job.state.value == "failed" and job.reasons == ("media-jam",)
    run(sqlite_app, "devices", "sim", "a4", "none")
    assert devices.a4_printer.status().state is DeviceState.READY
    job = devices.a4_printer.job(devices.a4_printer.submit(b"%PDF-1.4", title="t"))
    assert job.state.value == "completed"
    assert list((tmp_path / "spool").glob("*.pdf"))


def test_a_sandbox_persons_card_goes_on_the_simulated_reader(
    sqlite_app, tmp_path
) -> None:
    load_world(sqlite_app)
    sqlite_app.instance_path = str(tmp_path)
    person = PERSON["陈伯"]
    run(sqlite_app, "devices", "sim", "insert-card", person.id_number)
    reader = build_devices(sqlite_app).reader
    card = reader.read_card()
    assert (card.name, card.id_number, card.sex) == ("陈伯", person.id_number, "M")
    run(sqlite_app, "devices", "sim", "remove-card")
    assert reader.card_present() is False
    missing = sqlite_app.test_cli_runner().invoke(
        args=["devices", "sim", "insert-card", "110101199003070000"]
    )
    assert missing.exit_code == 1


def test_the_agent_reports_simulated_states(sqlite_app, tmp_path) -> None:
    sqlite_app.instance_path = str(tmp_path)
    run(sqlite_app, "devices", "sim", "a4", "media-empty")
    agent = Agent(None, build_devices(sqlite_app))  # type: ignore[arg-type]
    states = agent.device_states()
    assert states["a4_printer"]["state"] == "needs_attention"
    assert states["a4_printer"]["reasons"] == ["media-empty"]


def test_the_scanner_is_switched_and_fed_from_the_command_line(
    sqlite_app, tmp_path
) -> None:
    sqlite_app.instance_path = str(tmp_path)
    scanner = build_devices(sqlite_app).scanner
    assert run(sqlite_app, "devices", "sim", "scanner", "offline") == (
        "scanner: offline\n"
    )
    assert scanner.status().state is DeviceState.OFFLINE
    run(sqlite_app, "devices", "sim", "scanner", "online")
    assert scanner.status().state is DeviceState.READY
    assert "sample: none" in run(sqlite_app, "devices", "sim", "scanner", "none")
    with pytest.raises(DeviceError) as nothing:
        scanner.scan()
    assert nothing.value.code == "no_page"
    run(sqlite_app, "devices", "sim", "scanner", "photo")
    control = sim_control(sqlite_app).read()
    assert (control["scan_sample"], control["scanner_offline"]) == ("photo", False)
    wrong = sqlite_app.test_cli_runner().invoke(
        args=["devices", "sim", "scanner", "flatbed"]
    )
    assert wrong.exit_code == 2
    assert sim_control(sqlite_app).read()["scan_sample"] == "photo"


@pytest.mark.parametrize("sample", ["form", "photo"])
def test_the_simulated_scan_is_a_clean_upright_page(
    sqlite_app, tmp_path, sample: str
) -> None:
    """The 'photo' sample (a crooked sheet on a dark desk) goes through the
    real crop and deskew: what comes out is the sheet alone, upright."""
    sqlite_app.instance_path = str(tmp_path)
    run(sqlite_app, "devices", "sim", "scanner", sample)
    (page,) = build_devices(sqlite_app).scanner.scan()
    with Image.open(io.BytesIO(page.jpeg)) as image:
        assert image.format == "JPEG"
        pixels = np.asarray(image.convert("L"))
    height, width = pixels.shape
    assert abs(height / width - 297 / 210) < 0.05  # A4, nothing of the desk
    corners = [pixels[3, 3], pixels[3, -4], pixels[-4, 3], pixels[-4, -4]]
    assert min(corners) > 200  # paper white, not the dark desk
    bar = pixels[: height // 8] < 60  # the black heading bar
    rows = np.flatnonzero(bar.any(axis=1))
    left = np.flatnonzero(bar[:, width // 4])
    right = np.flatnonzero(bar[:, 3 * width // 4])
    assert rows.size and left.size and right.size
    assert abs(left.mean() - right.mean()) <= 3  # level to within 3 px
