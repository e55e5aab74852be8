"""Which device drivers a terminal uses, from configuration, and the
``flask --app webapp devices …`` commands.

``DEVICES = "simulated"`` (the standalone default) uses the simulators in
``devices/simulated`` controlled through ``instance/devices-sim.json``;
``"real"`` builds the drivers named by the ``DEVICE_*`` settings (see
docs/devices.md). Devices left unconfigured are simply absent.
"""

from __future__ import annotations

import sys
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from devices.agent import Agent, Devices, HttpTransport
from devices.simulated.control import (
    A4_FAULTS,
    RECEIPT_PAPER,
    SCAN_SAMPLES,
    SimControl,
)
from devices.simulated.devices import (
    ControlledIdCardReader,
    SimulatedA4Printer,
    SimulatedReceiptPrinter,
    SimulatedScanner,
)
from govcore.clock import utcnow
from govcore.datahub import DataSourceError
from govcore.ports import CardType, IdCard, IdCardReader, Scanner

devices_cli = AppGroup("devices", help="Kiosk devices (设备): check, simulate.")
STATE_LABELS = {
    "ready": "就绪",
    "warning": "需留意",
    "needs_attention": "需处理",
    "offline": "离线",
    "unknown": "未知",
}


def sim_control(app: Flask) -> SimControl:
    return SimControl(Path(app.instance_path) / "devices-sim.json")


def build_devices(app: Flask) -> Devices:
    config = app.config
    if config["DEVICES"] == "simulated":
        control = sim_control(app)
        return Devices(
            reader=ControlledIdCardReader(control),
            a4_printer=SimulatedA4Printer(control, Path(app.instance_path) / "spool"),
            receipt_printer=SimulatedReceiptPrinter(control),
            scanner=SimulatedScanner(control),
        )
    return real_devices(config)


def real_devices(config: Any) -> Devices:
    """The real drivers named by ``DEVICE_*`` (imported only when configured).

    :raise ValueError: for a device address that names no known connection.
    """
    devices = Devices()
    if config.get("DEVICE_ID_READER"):
        devices.reader = id_card_reader(config["DEVICE_ID_READER"])
    if config.get("DEVICE_ID_PHOTO_LIBRARY"):
        from devices.idcard.photo import LibraryPhotoDecoder

        devices.photo_decoder = LibraryPhotoDecoder(
            config["DEVICE_ID_PHOTO_LIBRARY"],
            function=config.get("DEVICE_ID_PHOTO_FUNCTION") or "unpack",
        )
    if config.get("DEVICE_A4_QUEUE"):
        from devices.printers.cups_printer import CupsDocumentPrinter

        devices.a4_printer = CupsDocumentPrinter(
            config["DEVICE_A4_QUEUE"], server=config.get("DEVICE_CUPS_SERVER")
        )
    if config.get("DEVICE_RECEIPT"):
        from devices.printers.escpos_ticket import EscposReceiptPrinter

        devices.receipt_printer = EscposReceiptPrinter(
            escpos_connection(config["DEVICE_RECEIPT"]),
            width_mm=int(config.get("DEVICE_RECEIPT_WIDTH_MM", 80)),
        )
    if config.get("DEVICE_SCANNER"):
        devices.scanner = scanner(config["DEVICE_SCANNER"])
    return devices


def _address(address: str, setting: str) -> tuple[str, str]:
    scheme, _, rest = address.partition(":")
    if not rest:
        raise ValueError(f"{setting}: expected <kind>:<address>, got {address!r}")
    return scheme.lower(), rest


def _usb_ids(rest: str, setting: str) -> tuple[int, int]:
    try:
        vendor, product = (int(part, 16) for part in rest.split(":"))
    except ValueError:
        raise ValueError(f"{setting}: expected usb:VID:PID in hex") from None
    return vendor, product


def id_card_reader(address: str) -> IdCardReader:
    """``serial:/dev/idreader`` or ``usb:VID:PID`` (e.g. ``usb:0400:c35a``)."""
    scheme, rest = _address(address, "DEVICE_ID_READER")
    if scheme == "serial":
        from devices.idcard.serial_reader import SerialIdCardReader

        return SerialIdCardReader(rest)
    if scheme == "usb":
        from devices.idcard.usb_reader import UsbIdCardReader

        vendor, product = _usb_ids(rest, "DEVICE_ID_READER")
        return UsbIdCardReader(vendor_id=vendor, product_id=product)
    raise ValueError(f"DEVICE_ID_READER: unknown kind {scheme!r} (serial, usb)")


def escpos_connection(address: str) -> Any:
    """``tcp:host[:port]``, ``usb:VID:PID`` or ``serial:/dev/ttyUSB0``."""
    from escpos import printer

    scheme, rest = _address(address, "DEVICE_RECEIPT")
    if scheme == "tcp":
        host, _, port = rest.partition(":")
        return printer.Network(host, port=int(port or 9100), timeout=5)
    if scheme == "usb":
        return printer.Usb(*_usb_ids(rest, "DEVICE_RECEIPT"), timeout=5000)
    if scheme == "serial":
        return printer.Serial(rest, baudrate=19200, timeout=5)
    raise ValueError(f"DEVICE_RECEIPT: unknown kind {scheme!r} (tcp, usb, serial)")


def scanner(address: str) -> Scanner:
    """``sane:<SANE device name>`` or ``camera:/dev/video0`` (a 高拍仪)."""
    scheme, rest = _address(address, "DEVICE_SCANNER")
    if scheme == "sane":
        from devices.scanning import SaneScanner

        return SaneScanner(rest)
    if scheme == "camera":
        from devices.scanning.camera import DocumentCamera, V4L2Source

        return DocumentCamera(V4L2Source(int(rest) if rest.isdigit() else rest))
    raise ValueError(f"DEVICE_SCANNER: unknown kind {scheme!r} (sane, camera)")


@devices_cli.command("check")
def check() -> None:
    """Each configured device and its state."""
    devices = build_devices(current_app).named()
    if not devices:
        click.echo("no devices configured")
        return
    for name, device in devices.items():
        status = device.status()
        label = STATE_LABELS[status.state.value]
        reasons = f" ({', '.join(status.reasons)})" if status.reasons else ""
        click.echo(
            f"{name:16} {type(device).__name__:26} {status.state.value:16} "
            f"{label} {status.message}{reasons}"
        )


sim_cli = AppGroup("sim", help="Control the simulated devices (standalone).")
devices_cli.add_command(sim_cli)


def sandbox_card(source: Any, id_number: str, now: datetime) -> dict[str, Any]:
    """The ID card of sandbox person ``id_number``, as the control file holds it.

    :param source: the data source (``app.extensions["miaopi.datasource"]``).
    :raise DataSourceError: when the source holds no such person.
    """
    record = source.fetch("HK", id_number.strip().upper(), now=now).data
    born = record["birth_date"]
    born = date.fromisoformat(born) if isinstance(born, str) else born
    card = IdCard(
        card_type=CardType.RESIDENT,
        name=record["name"],
        id_number=record["id_no"],
        sex=record["sex"],
        birth_date=born,
        valid_from=date(2016, born.month, min(born.day, 28)),
        valid_to=None,
        ethnicity=record.get("ethnicity") or "汉",
        address=record.get("address") or "",
        issuer="汕头市公安局龙湖分局",
    )
    fields = {
        k: (v.isoformat() if hasattr(v, "isoformat") else v)
        for k, v in asdict(card).items()
    }
    fields.pop("photo_wlt")
    return fields


@sim_cli.command("insert-card")
@click.argument("id_number")
def insert_card(id_number: str) -> None:
    """Put the ID card of sandbox person ID_NUMBER on the reader."""
    source = current_app.extensions["miaopi.datasource"]
    try:
        card = sandbox_card(source, id_number, utcnow())
    except DataSourceError as error:
        click.secho(f"no such sandbox person: {error.message}", fg="red", err=True)
        sys.exit(1)
    sim_control(current_app).update(card=card)
    click.echo("card on the reader")


@sim_cli.command("remove-card")
def remove_card() -> None:
    sim_control(current_app).update(card=None)
    click.echo("reader empty")


@sim_cli.command("a4")
@click.argument("fault", type=click.Choice([*A4_FAULTS, "none"]))
def a4(fault: str) -> None:
    """Inject an A4 printer fault (none: clear it)."""
    sim_control(current_app).update(a4_fault=None if fault == "none" else fault)
    click.echo(f"A4 printer: {fault}")


@sim_cli.command("receipt-paper")
@click.argument("paper", type=click.Choice(RECEIPT_PAPER))
def receipt_paper(paper: str) -> None:
    sim_control(current_app).update(receipt_paper=paper)
    click.echo(f"receipt paper: {paper}")


@sim_cli.command("reader-fault")
@click.argument("code")
def reader_fault(code: str) -> None:
    """Make the next card read fail (select_failed, read_failed, timeout …)."""
    sim_control(current_app).update(reader_fault=code)
    click.echo(f"next read fails: {code}")


@sim_cli.command("scanner")
@click.argument("setting", type=click.Choice([*SCAN_SAMPLES, "offline", "online"]))
def scanner_setting(setting: str) -> None:
    """What the scanner sees (form, photo, none) or whether it is connected."""
    if setting in ("offline", "online"):
        sim_control(current_app).update(scanner_offline=setting == "offline")
        click.echo(f"scanner: {setting}")
    else:
        sim_control(current_app).update(scan_sample=setting)
        click.echo(f"scanner sample: {setting}")


EXISTING_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@devices_cli.command("agent")
@click.option("--server", required=True, help="https://…/api/v1/terminal")
@click.option("--terminal", "code", required=True, help="This terminal's code.")
@click.option(
    "--secret-file",
    required=True,
    type=EXISTING_FILE,
    help="File holding the terminal secret (mode 0600).",
)
@click.option(
    "--client-cert",
    type=EXISTING_FILE,
    envvar="MIAOPI_AGENT_CLIENT_CERT",
    help="The terminal's TLS client certificate (PEM), for a server that "
    "requires one (the kiosk host's mutual TLS). With --client-key.",
)
@click.option(
    "--client-key",
    type=EXISTING_FILE,
    envvar="MIAOPI_AGENT_CLIENT_KEY",
    help="The client certificate's private key (PEM, unencrypted, mode 0600).",
)
@click.option(
    "--ca-bundle",
    type=EXISTING_FILE,
    envvar="MIAOPI_AGENT_CA_BUNDLE",
    help="CA certificates (PEM) the server's certificate must chain to; "
    "default: the system's store.",
)
def agent(
    server: str,
    code: str,
    secret_file: Path,
    client_cert: Path | None,
    client_key: Path | None,
    ca_bundle: Path | None,
) -> None:
    """Run the terminal agent with the configured devices until revoked."""
    if (client_cert is None) != (client_key is None):
        raise click.UsageError(
            "--client-cert 与 --client-key 须同时提供（both or neither）"
        )
    for private in (secret_file, client_key):
        if private is not None and private.stat().st_mode & 0o077:
            click.secho(f"{private} must be readable by its owner only", fg="red")
            sys.exit(1)
    transport = HttpTransport(
        server,
        code,
        secret_file.read_text().strip(),
        client_cert=(str(client_cert), str(client_key)) if client_cert else None,
        ca_bundle=str(ca_bundle) if ca_bundle else None,
    )
    Agent(transport, build_devices(current_app)).run()
