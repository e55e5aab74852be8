"""``flask devices check`` and ``flask devices sim …`` on the simulated devices."""

from __future__ import annotations

from flask import Flask

from devices.agent import Agent
from govcore.ports import DeviceState
from tests.api.conftest import PERSON, load_world
from webapp.devices import build_devices


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
